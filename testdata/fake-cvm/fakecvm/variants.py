"""Names of the deliberately broken report variants (kept free of heavy imports
so that the CLI starts fast)."""

# Deliberately broken variants for negative tests (gen-report --break X).
BREAKS = {
    "sig": "flip one bit of the SNP signature r",
    "signed-byte": "flip one bit in MEASUREMENT after signing",
    "report-data": "REPORT_DATA[0:32] != SHA-256(JSON) (report re-signed, so only the binding fails)",
    "report-data-tail": "non-zero REPORT_DATA[32:64] (re-signed)",
    "json-byte": "change one JSON byte after hashing (binding fails)",
    "magic": "header signature 'HCLB'",
    "var-size-big": "variable_data_size larger than the NV blob",
    "data-size": "runtime data_size != 20 + variable_data_size",
    "report-size": "header report_size != 1236 + variable_data_size",
    "hash-type": "runtime hash_type 2 (SHA-384) while REPORT_DATA holds SHA-256",
    "report-type": "runtime report_type 4 (TDX) over an SNP report",
    "vmpl": "VMPL 1 (re-signed)",
    "policy-debug": "POLICY debug bit 19 set (re-signed)",
    "sig-algo": "signature_algo 2 (re-signed)",
    "chip-id": "CHIP_ID differs from the VCEK hwID (re-signed)",
    "reported-tcb": "REPORTED_TCB differs from the VCEK SPLs (re-signed)",
    "sig-high-bytes": "non-zero bytes in r above the 48-byte P-384 value",
    "akpub": "HCLAkPub modulus is not the TPM AK (binding consistent)",
    "no-akpub": "no HCLAkPub in keys (binding consistent)",
    "user-data": "user-data differs from NV 0x01400002 content (binding consistent)",
    "trailing": "non-zero byte in the padding after the JSON",
}

IMDS_MODES = ("ok", "500", "404", "garbage", "truncated", "slow", "hang", "stale-tcb")
