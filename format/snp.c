#include "snp.h"
#include "jsonutil.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- products ---- */

enum cvm_product cvm_product_from_cpuid(uint8_t family, uint8_t model)
{
    if (family == 0x19) {
        if (model <= 0x0f)
            return CVM_PRODUCT_MILAN;
        if ((model >= 0x10 && model <= 0x1f) || (model >= 0xa0 && model <= 0xaf))
            return CVM_PRODUCT_GENOA;
        return CVM_PRODUCT_UNKNOWN;
    }
    if (family == 0x1a && model <= 0x11)
        return CVM_PRODUCT_TURIN;
    return CVM_PRODUCT_UNKNOWN;
}

static bool name_is(const char *s, const char *want)
{
    size_t n = strlen(want);
    return strncasecmp(s, want, n) == 0 && (s[n] == 0 || s[n] == '-');
}

enum cvm_product cvm_product_from_name(const char *name)
{
    if (!name)
        return CVM_PRODUCT_UNKNOWN;
    /* ASK/ARK common names: "SEV-Milan", "ARK-Genoa", "SEV-VLEK-Turin" */
    if (strncasecmp(name, "SEV-VLEK-", 9) == 0)
        name += 9;
    else if (strncasecmp(name, "SEV-", 4) == 0 || strncasecmp(name, "ARK-", 4) == 0)
        name += 4;
    if (name_is(name, "Milan"))
        return CVM_PRODUCT_MILAN;
    if (name_is(name, "Genoa"))
        return CVM_PRODUCT_GENOA;
    if (name_is(name, "Turin"))
        return CVM_PRODUCT_TURIN;
    return CVM_PRODUCT_UNKNOWN;
}

const char *cvm_product_name(enum cvm_product p)
{
    switch (p) {
    case CVM_PRODUCT_MILAN: return "Milan";
    case CVM_PRODUCT_GENOA: return "Genoa";
    case CVM_PRODUCT_TURIN: return "Turin";
    default: return "unknown";
    }
}

/* ---- TCB_VERSION ---- */

static uint8_t byte_of(uint64_t v, int i) { return (uint8_t)(v >> (8 * i)); }

void cvm_tcb_decode(uint64_t raw, enum cvm_product product, cvm_tcb *out)
{
    memset(out, 0, sizeof(*out));
    if (product == CVM_PRODUCT_TURIN) {
        out->has_fmc = true;
        out->fmc = byte_of(raw, 0);
        out->bootloader = byte_of(raw, 1);
        out->tee = byte_of(raw, 2);
        out->snp = byte_of(raw, 3);
        out->microcode = byte_of(raw, 7);
        out->reserved = (uint32_t)((raw >> 32) & 0xffffff); /* bytes 4-6 */
    } else {
        out->bootloader = byte_of(raw, 0);
        out->tee = byte_of(raw, 1);
        out->snp = byte_of(raw, 6);
        out->microcode = byte_of(raw, 7);
        out->reserved = (uint32_t)(raw >> 16); /* bytes 2-5 */
    }
}

uint64_t cvm_tcb_encode(const cvm_tcb *t)
{
    if (t->has_fmc)
        return (uint64_t)t->fmc | (uint64_t)t->bootloader << 8 | (uint64_t)t->tee << 16 |
               (uint64_t)t->snp << 24 | (uint64_t)(t->reserved & 0xffffff) << 32 |
               (uint64_t)t->microcode << 56;
    return (uint64_t)t->bootloader | (uint64_t)t->tee << 8 | (uint64_t)t->reserved << 16 |
           (uint64_t)t->snp << 48 | (uint64_t)t->microcode << 56;
}

bool cvm_tcb_ge(const cvm_tcb *have, const cvm_tcb *min)
{
    if (have->bootloader < min->bootloader || have->tee < min->tee || have->snp < min->snp ||
        have->microcode < min->microcode)
        return false;
    if (have->has_fmc && min->has_fmc && have->fmc < min->fmc)
        return false;
    return true;
}

const char *cvm_tcb_format(const cvm_tcb *t, char *buf, size_t n)
{
    if (t->has_fmc)
        snprintf(buf, n, "fmc=%u bl=%u tee=%u snp=%u ucode=%u", t->fmc, t->bootloader, t->tee,
                 t->snp, t->microcode);
    else
        snprintf(buf, n, "bl=%u tee=%u snp=%u ucode=%u", t->bootloader, t->tee, t->snp,
                 t->microcode);
    return buf;
}

/* ---- bit fields ---- */

static bool bit(uint64_t v, int i) { return (v >> i) & 1; }

void cvm_snp_policy_decode(uint64_t raw, cvm_snp_policy *out)
{
    out->abi_minor = (uint8_t)raw;
    out->abi_major = (uint8_t)(raw >> 8);
    out->smt = bit(raw, 16);
    out->reserved_17 = bit(raw, 17);
    out->migrate_ma = bit(raw, 18);
    out->debug = bit(raw, 19);
    out->single_socket = bit(raw, 20);
    out->cxl_allow = bit(raw, 21);
    out->mem_aes_256_xts = bit(raw, 22);
    out->rapl_dis = bit(raw, 23);
    out->ciphertext_hiding = bit(raw, 24);
    out->page_swap_disable = bit(raw, 25);
    out->reserved_bits = raw & ~(((uint64_t)1 << 26) - 1);
}

void cvm_snp_platform_info_decode(uint64_t raw, cvm_snp_platform_info *out)
{
    out->smt_en = bit(raw, 0);
    out->tsme_en = bit(raw, 1);
    out->ecc_en = bit(raw, 2);
    out->rapl_dis = bit(raw, 3);
    out->ciphertext_hiding_en = bit(raw, 4);
    out->alias_check_complete = bit(raw, 5);
    out->tio_en = bit(raw, 7);
    out->reserved_bits = raw & ~(uint64_t)0xbf;
}

void cvm_snp_key_info_decode(uint32_t raw, cvm_snp_key_info *out)
{
    out->author_key_en = bit(raw, 0);
    out->mask_chip_key = bit(raw, 1);
    out->signing_key = (uint8_t)((raw >> 2) & 7);
    out->reserved_bits = raw & ~(uint32_t)0x1f;
}

const char *cvm_snp_signing_key_name(uint8_t k)
{
    switch (k) {
    case CVM_SNP_SIGNING_VCEK: return "VCEK";
    case CVM_SNP_SIGNING_VLEK: return "VLEK";
    case CVM_SNP_SIGNING_NONE: return "none";
    default: return "reserved";
    }
}

/* ---- parse / write ---- */

#define TRY(x)                 \
    do {                       \
        int rc_ = (x);         \
        if (rc_)               \
            return rc_;        \
    } while (0)

int cvm_snp_parse_rd(cvm_rd *top, cvm_snp_report *out)
{
    cvm_rd rr, *r = &rr;
    size_t start = cvm_rd_abs(top);
    TRY(cvm_rd_sub(top, "attestation_report", CVM_SNP_REPORT_LEN, r));
    cvm_snp_report o;
    memset(&o, 0, sizeof(o));

    TRY(cvm_rd_u32le(r, "version", &o.version));
    if (o.version == 0 || o.version > 5)
        return cvm_err_set(r->err, CVM_E_UNSUPPORTED, r->what, "version", start,
                           "SNP report version %u is not supported (1-5 are)", o.version);
    if (o.version == 1)
        o.flags |= CVM_SNP_F_V1;
    if (o.version == 4)
        o.flags |= CVM_SNP_F_V4;
    o.has_cpuid = o.version >= 3;
    o.has_mit_vector = o.version >= 5;

    TRY(cvm_rd_u32le(r, "guest_svn", &o.guest_svn));
    TRY(cvm_rd_u64le(r, "policy", &o.policy));
    TRY(cvm_rd_copy(r, "family_id", o.family_id, sizeof(o.family_id)));
    TRY(cvm_rd_copy(r, "image_id", o.image_id, sizeof(o.image_id)));
    TRY(cvm_rd_u32le(r, "vmpl", &o.vmpl));
    TRY(cvm_rd_u32le(r, "signature_algo", &o.signature_algo));
    TRY(cvm_rd_u64le(r, "current_tcb", &o.current_tcb));
    TRY(cvm_rd_u64le(r, "platform_info", &o.platform_info));
    TRY(cvm_rd_u32le(r, "key_info", &o.key_info));
    TRY(cvm_rd_zeros(r, "reserved_04c", 4));
    TRY(cvm_rd_copy(r, "report_data", o.report_data, sizeof(o.report_data)));
    TRY(cvm_rd_copy(r, "measurement", o.measurement, sizeof(o.measurement)));
    TRY(cvm_rd_copy(r, "host_data", o.host_data, sizeof(o.host_data)));
    TRY(cvm_rd_copy(r, "id_key_digest", o.id_key_digest, sizeof(o.id_key_digest)));
    TRY(cvm_rd_copy(r, "author_key_digest", o.author_key_digest, sizeof(o.author_key_digest)));
    TRY(cvm_rd_copy(r, "report_id", o.report_id, sizeof(o.report_id)));
    TRY(cvm_rd_copy(r, "report_id_ma", o.report_id_ma, sizeof(o.report_id_ma)));
    TRY(cvm_rd_u64le(r, "reported_tcb", &o.reported_tcb));
    if (o.has_cpuid) {
        TRY(cvm_rd_u8(r, "cpuid_fam_id", &o.cpuid_fam_id));
        TRY(cvm_rd_u8(r, "cpuid_mod_id", &o.cpuid_mod_id));
        TRY(cvm_rd_u8(r, "cpuid_step", &o.cpuid_step));
        TRY(cvm_rd_zeros(r, "reserved_18b", 21));
    } else {
        TRY(cvm_rd_zeros(r, "reserved_188", 24));
    }
    TRY(cvm_rd_copy(r, "chip_id", o.chip_id, sizeof(o.chip_id)));
    TRY(cvm_rd_u64le(r, "committed_tcb", &o.committed_tcb));
    TRY(cvm_rd_u8(r, "current_build", &o.current_build));
    TRY(cvm_rd_u8(r, "current_minor", &o.current_minor));
    TRY(cvm_rd_u8(r, "current_major", &o.current_major));
    TRY(cvm_rd_zeros(r, "reserved_1eb", 1));
    TRY(cvm_rd_u8(r, "committed_build", &o.committed_build));
    TRY(cvm_rd_u8(r, "committed_minor", &o.committed_minor));
    TRY(cvm_rd_u8(r, "committed_major", &o.committed_major));
    TRY(cvm_rd_zeros(r, "reserved_1ef", 1));
    TRY(cvm_rd_u64le(r, "launch_tcb", &o.launch_tcb));
    if (o.has_mit_vector) {
        TRY(cvm_rd_u64le(r, "launch_mit_vector", &o.launch_mit_vector));
        TRY(cvm_rd_u64le(r, "current_mit_vector", &o.current_mit_vector));
    } else {
        TRY(cvm_rd_zeros(r, "reserved_1f8", 16));
    }
    TRY(cvm_rd_zeros(r, "reserved_208", 0x2a0 - 0x208));
    TRY(cvm_rd_copy(r, "signature.r", o.signature_r, sizeof(o.signature_r)));
    TRY(cvm_rd_copy(r, "signature.s", o.signature_s, sizeof(o.signature_s)));
    TRY(cvm_rd_zeros(r, "signature.reserved", CVM_SNP_REPORT_LEN - 0x330));
    TRY(cvm_rd_end(r, "attestation_report"));

    cvm_snp_policy_decode(o.policy, &o.policy_bits);
    cvm_snp_platform_info_decode(o.platform_info, &o.platform);
    cvm_snp_key_info_decode(o.key_info, &o.key);
    if (!o.policy_bits.reserved_17 || o.policy_bits.reserved_bits)
        o.flags |= CVM_SNP_F_POLICY_RESERVED;
    if (o.platform.reserved_bits)
        o.flags |= CVM_SNP_F_PLATFORM_RESERVED;
    if (o.key.reserved_bits || (o.key.signing_key >= 2 && o.key.signing_key <= 6))
        o.flags |= CVM_SNP_F_KEYINFO_RESERVED;
    if (o.signature_algo != 1)
        o.flags |= CVM_SNP_F_SIG_ALGO_UNKNOWN;
    *out = o;
    return CVM_OK;
}

int cvm_snp_parse(const uint8_t *buf, size_t len, const char *what, cvm_snp_report *out,
                  cvm_err *err)
{
    cvm_rd r;
    cvm_rd_init(&r, buf, len, what ? what : "snp_report", err);
    if (len < CVM_SNP_REPORT_LEN)
        return cvm_err_set(err, CVM_E_TRUNCATED, r.what, "attestation_report", len,
                           "%zu bytes, an SNP report is %d", len, CVM_SNP_REPORT_LEN);
    TRY(cvm_snp_parse_rd(&r, out));
    return cvm_rd_end(&r, "attestation_report");
}

static void put_le(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void cvm_snp_write(const cvm_snp_report *o, uint8_t out[CVM_SNP_REPORT_LEN])
{
    memset(out, 0, CVM_SNP_REPORT_LEN);
    put_le(out + 0x000, o->version, 4);
    put_le(out + 0x004, o->guest_svn, 4);
    put_le(out + 0x008, o->policy, 8);
    memcpy(out + 0x010, o->family_id, 16);
    memcpy(out + 0x020, o->image_id, 16);
    put_le(out + 0x030, o->vmpl, 4);
    put_le(out + 0x034, o->signature_algo, 4);
    put_le(out + 0x038, o->current_tcb, 8);
    put_le(out + 0x040, o->platform_info, 8);
    put_le(out + 0x048, o->key_info, 4);
    memcpy(out + 0x050, o->report_data, 64);
    memcpy(out + 0x090, o->measurement, 48);
    memcpy(out + 0x0c0, o->host_data, 32);
    memcpy(out + 0x0e0, o->id_key_digest, 48);
    memcpy(out + 0x110, o->author_key_digest, 48);
    memcpy(out + 0x140, o->report_id, 32);
    memcpy(out + 0x160, o->report_id_ma, 32);
    put_le(out + 0x180, o->reported_tcb, 8);
    out[0x188] = o->cpuid_fam_id;
    out[0x189] = o->cpuid_mod_id;
    out[0x18a] = o->cpuid_step;
    memcpy(out + 0x1a0, o->chip_id, 64);
    put_le(out + 0x1e0, o->committed_tcb, 8);
    out[0x1e8] = o->current_build;
    out[0x1e9] = o->current_minor;
    out[0x1ea] = o->current_major;
    out[0x1ec] = o->committed_build;
    out[0x1ed] = o->committed_minor;
    out[0x1ee] = o->committed_major;
    put_le(out + 0x1f0, o->launch_tcb, 8);
    put_le(out + 0x1f8, o->launch_mit_vector, 8);
    put_le(out + 0x200, o->current_mit_vector, 8);
    memcpy(out + 0x2a0, o->signature_r, 72);
    memcpy(out + 0x2e8, o->signature_s, 72);
}

int cvm_snp_signature_be(const cvm_snp_report *rep, uint8_t r[CVM_SNP_P384_LEN],
                         uint8_t s[CVM_SNP_P384_LEN], cvm_err *err)
{
    for (size_t i = CVM_SNP_P384_LEN; i < CVM_SNP_SIG_COMPONENT_LEN; i++) {
        if (rep->signature_r[i])
            return cvm_err_set(err, CVM_E_VALUE, "snp_report", "signature.r",
                               CVM_SNP_SIG_OFFSET + i,
                               "r has a non-zero byte beyond the 48 bytes of a P-384 scalar");
        if (rep->signature_s[i])
            return cvm_err_set(err, CVM_E_VALUE, "snp_report", "signature.s",
                               CVM_SNP_SIG_OFFSET + CVM_SNP_SIG_COMPONENT_LEN + i,
                               "s has a non-zero byte beyond the 48 bytes of a P-384 scalar");
    }
    for (size_t i = 0; i < CVM_SNP_P384_LEN; i++) {
        r[i] = rep->signature_r[CVM_SNP_P384_LEN - 1 - i];
        s[i] = rep->signature_s[CVM_SNP_P384_LEN - 1 - i];
    }
    return CVM_OK;
}

void cvm_snp_set_signature_be(cvm_snp_report *rep, const uint8_t r[CVM_SNP_P384_LEN],
                              const uint8_t s[CVM_SNP_P384_LEN])
{
    memset(rep->signature_r, 0, sizeof(rep->signature_r));
    memset(rep->signature_s, 0, sizeof(rep->signature_s));
    for (size_t i = 0; i < CVM_SNP_P384_LEN; i++) {
        rep->signature_r[i] = r[CVM_SNP_P384_LEN - 1 - i];
        rep->signature_s[i] = s[CVM_SNP_P384_LEN - 1 - i];
    }
}

enum cvm_product cvm_snp_product(const cvm_snp_report *rep)
{
    if (rep->version < 3)
        return CVM_PRODUCT_UNKNOWN;
    return cvm_product_from_cpuid(rep->cpuid_fam_id, rep->cpuid_mod_id);
}

/* ---- JSON view ---- */

static json_t *u64hex(uint64_t v)
{
    char buf[19];
    snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)v);
    return json_string(buf);
}

static json_t *tcb_json(uint64_t raw, enum cvm_product p)
{
    cvm_tcb t;
    cvm_tcb_decode(raw, p, &t);
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "raw", u64hex(raw));
    if (t.has_fmc)
        json_object_set_new(o, "fmc", json_integer(t.fmc));
    json_object_set_new(o, "bootloader", json_integer(t.bootloader));
    json_object_set_new(o, "tee", json_integer(t.tee));
    json_object_set_new(o, "snp", json_integer(t.snp));
    json_object_set_new(o, "microcode", json_integer(t.microcode));
    if (t.reserved)
        json_object_set_new(o, "reserved", json_integer(t.reserved));
    return o;
}

json_t *cvm_snp_to_json(const cvm_snp_report *rep, enum cvm_product hint)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    enum cvm_product from_cpuid = cvm_snp_product(rep);
    enum cvm_product p = from_cpuid != CVM_PRODUCT_UNKNOWN ? from_cpuid : hint;
    const char *src = from_cpuid != CVM_PRODUCT_UNKNOWN ? "cpuid"
                      : hint != CVM_PRODUCT_UNKNOWN     ? "hint"
                                                        : "none (TCB shown in Milan/Genoa layout)";

    json_object_set_new(o, "version", json_integer(rep->version));
    json_object_set_new(o, "guest_svn", json_integer(rep->guest_svn));

    const cvm_snp_policy *pb = &rep->policy_bits;
    json_t *pol = json_object();
    json_object_set_new(pol, "raw", u64hex(rep->policy));
    json_object_set_new(pol, "abi_major", json_integer(pb->abi_major));
    json_object_set_new(pol, "abi_minor", json_integer(pb->abi_minor));
    json_object_set_new(pol, "smt", json_boolean(pb->smt));
    json_object_set_new(pol, "reserved_17", json_boolean(pb->reserved_17));
    json_object_set_new(pol, "migrate_ma", json_boolean(pb->migrate_ma));
    json_object_set_new(pol, "debug", json_boolean(pb->debug));
    json_object_set_new(pol, "single_socket", json_boolean(pb->single_socket));
    json_object_set_new(pol, "cxl_allow", json_boolean(pb->cxl_allow));
    json_object_set_new(pol, "mem_aes_256_xts", json_boolean(pb->mem_aes_256_xts));
    json_object_set_new(pol, "rapl_dis", json_boolean(pb->rapl_dis));
    json_object_set_new(pol, "ciphertext_hiding", json_boolean(pb->ciphertext_hiding));
    json_object_set_new(pol, "page_swap_disable", json_boolean(pb->page_swap_disable));
    json_object_set_new(pol, "reserved_bits", u64hex(pb->reserved_bits));
    json_object_set_new(o, "policy", pol);

    json_object_set_new(o, "family_id", cvm_hex_json(rep->family_id, 16));
    json_object_set_new(o, "image_id", cvm_hex_json(rep->image_id, 16));
    json_object_set_new(o, "vmpl", json_integer(rep->vmpl));
    json_object_set_new(o, "signature_algo", json_integer(rep->signature_algo));
    json_object_set_new(o, "current_tcb", tcb_json(rep->current_tcb, p));

    const cvm_snp_platform_info *pi = &rep->platform;
    json_t *pij = json_object();
    json_object_set_new(pij, "raw", u64hex(rep->platform_info));
    json_object_set_new(pij, "smt_en", json_boolean(pi->smt_en));
    json_object_set_new(pij, "tsme_en", json_boolean(pi->tsme_en));
    json_object_set_new(pij, "ecc_en", json_boolean(pi->ecc_en));
    json_object_set_new(pij, "rapl_dis", json_boolean(pi->rapl_dis));
    json_object_set_new(pij, "ciphertext_hiding_en", json_boolean(pi->ciphertext_hiding_en));
    json_object_set_new(pij, "alias_check_complete", json_boolean(pi->alias_check_complete));
    json_object_set_new(pij, "tio_en", json_boolean(pi->tio_en));
    json_object_set_new(pij, "reserved_bits", u64hex(pi->reserved_bits));
    json_object_set_new(o, "platform_info", pij);

    json_t *ki = json_object();
    json_object_set_new(ki, "raw", json_integer(rep->key_info));
    json_object_set_new(ki, "author_key_en", json_boolean(rep->key.author_key_en));
    json_object_set_new(ki, "mask_chip_key", json_boolean(rep->key.mask_chip_key));
    json_object_set_new(ki, "signing_key", json_integer(rep->key.signing_key));
    json_object_set_new(ki, "signing_key_name",
                        json_string(cvm_snp_signing_key_name(rep->key.signing_key)));
    json_object_set_new(ki, "reserved_bits", json_integer(rep->key.reserved_bits));
    json_object_set_new(o, "key_info", ki);

    json_object_set_new(o, "report_data", cvm_hex_json(rep->report_data, 64));
    json_object_set_new(o, "measurement", cvm_hex_json(rep->measurement, 48));
    json_object_set_new(o, "host_data", cvm_hex_json(rep->host_data, 32));
    json_object_set_new(o, "id_key_digest", cvm_hex_json(rep->id_key_digest, 48));
    json_object_set_new(o, "author_key_digest", cvm_hex_json(rep->author_key_digest, 48));
    json_object_set_new(o, "report_id", cvm_hex_json(rep->report_id, 32));
    json_object_set_new(o, "report_id_ma", cvm_hex_json(rep->report_id_ma, 32));
    json_object_set_new(o, "reported_tcb", tcb_json(rep->reported_tcb, p));
    if (rep->has_cpuid) {
        json_t *c = json_object();
        json_object_set_new(c, "family", json_integer(rep->cpuid_fam_id));
        json_object_set_new(c, "model", json_integer(rep->cpuid_mod_id));
        json_object_set_new(c, "stepping", json_integer(rep->cpuid_step));
        json_object_set_new(o, "cpuid", c);
    }
    json_object_set_new(o, "chip_id", cvm_hex_json(rep->chip_id, 64));
    json_object_set_new(o, "committed_tcb", tcb_json(rep->committed_tcb, p));
    char fw[32];
    snprintf(fw, sizeof(fw), "%u.%u.%u", rep->current_major, rep->current_minor,
             rep->current_build);
    json_object_set_new(o, "current_firmware", json_string(fw));
    snprintf(fw, sizeof(fw), "%u.%u.%u", rep->committed_major, rep->committed_minor,
             rep->committed_build);
    json_object_set_new(o, "committed_firmware", json_string(fw));
    json_object_set_new(o, "launch_tcb", tcb_json(rep->launch_tcb, p));
    if (rep->has_mit_vector) {
        json_object_set_new(o, "launch_mit_vector", u64hex(rep->launch_mit_vector));
        json_object_set_new(o, "current_mit_vector", u64hex(rep->current_mit_vector));
    }
    json_t *sig = json_object();
    json_object_set_new(sig, "r_le", cvm_hex_json(rep->signature_r, 72));
    json_object_set_new(sig, "s_le", cvm_hex_json(rep->signature_s, 72));
    json_object_set_new(o, "signature", sig);

    json_t *prod = json_object();
    json_object_set_new(prod, "name", json_string(cvm_product_name(p)));
    json_object_set_new(prod, "source", json_string(src));
    json_object_set_new(o, "product", prod);

    json_t *fl = json_array();
    if (rep->flags & CVM_SNP_F_V1)
        json_array_append_new(fl, json_string("v1-layout"));
    if (rep->flags & CVM_SNP_F_V4)
        json_array_append_new(fl, json_string("v4-decoded-as-v3"));
    if (rep->flags & CVM_SNP_F_POLICY_RESERVED)
        json_array_append_new(fl, json_string("policy-reserved-bits"));
    if (rep->flags & CVM_SNP_F_PLATFORM_RESERVED)
        json_array_append_new(fl, json_string("platform-info-reserved-bits"));
    if (rep->flags & CVM_SNP_F_KEYINFO_RESERVED)
        json_array_append_new(fl, json_string("key-info-reserved"));
    if (rep->flags & CVM_SNP_F_SIG_ALGO_UNKNOWN)
        json_array_append_new(fl, json_string("signature-algo-unknown"));
    json_object_set_new(o, "flags", fl);
    return o;
}
