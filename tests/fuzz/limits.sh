# Sourced by run.sh and campaign.sh: per-target libFuzzer limits.
# -max_len per format: a bit above the largest real input of that kind
max_len() {
  case $1 in
    snp) echo 1200 ;;        # exactly 1184 bytes
    hcl) echo 4096 ;;        # NV index sizes 2048..2900
    runtime) echo 4096 ;;    # ~1.2 KiB real
    b64url) echo 1024 ;;     # 4096-bit moduli are 683 characters
    amdcert) echo 8192 ;;    # a PEM VCEK+ASK+ARK chain is ~6.5 KiB
    amdext) echo 1024 ;;
    thim) echo 12288 ;;      # the ACI THIM capture is ~7 KiB
    tpm*) echo 2048 ;;
    pcrs) echo 4096 ;;
    eventlog|cel) echo 65536 ;;
    manifest) echo 16384 ;;
    bundle|verify) echo 131072 ;;
    *) echo 4096 ;;
  esac
}

