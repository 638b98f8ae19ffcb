/* collect/atomic.c: all or nothing at the output path, no temp left. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "harness.h"

static int temps_in(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, ".cvm-collect.", 13))
            n++;
    closedir(d);
    return n;
}

static void t_write_and_refuse(void **state)
{
    (void)state;
    const char *dir = cvm_test_tmpdir();
    char path[300];
    snprintf(path, sizeof path, "%s/out.tar", dir);
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_atomic_write(path, (const uint8_t *)"abc", 3, 0444, 0, &err), CVM_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0444);
    assert_int_equal(st.st_size, 3);
    /* no clobbering by default */
    cvm_err_clear(&err);
    assert_int_not_equal(cvm_atomic_write(path, (const uint8_t *)"defg", 4, 0444, 0, &err), CVM_OK);
    assert_non_null(strstr(err.msg, "already exists"));
    size_t n;
    uint8_t *b = cvm_test_read(path, &n);
    assert_int_equal(n, 3);
    free(b);
    /* replace on request */
    cvm_err_clear(&err);
    assert_int_equal(cvm_atomic_write(path, (const uint8_t *)"defg", 4, 0644, CVM_ATOMIC_REPLACE, &err), CVM_OK);
    b = cvm_test_read(path, &n);
    assert_int_equal(n, 4);
    assert_memory_equal(b, "defg", 4);
    free(b);
    assert_int_equal(temps_in(dir), 0);
    cvm_test_sh("rm -rf %s", dir);
}

static void t_failure_leaves_nothing(void **state)
{
    (void)state;
    const char *dir = cvm_test_tmpdir();
    char path[300];
    snprintf(path, sizeof path, "%s/out.tar", dir);
    cvm_err err;
    cvm_err_clear(&err);
    setenv("CVM_COLLECT_TEST_FAIL", "before-rename", 1);
    int rc = cvm_atomic_write(path, (const uint8_t *)"abc", 3, 0444, 0, &err);
    unsetenv("CVM_COLLECT_TEST_FAIL");
    assert_int_not_equal(rc, CVM_OK);
    assert_string_equal(err.field, "test hook");
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(temps_in(dir), 0);

    /* a directory that does not exist */
    char bad[400];
    snprintf(bad, sizeof bad, "%s/missing/out.tar", dir);
    cvm_err_clear(&err);
    assert_int_not_equal(cvm_atomic_write(bad, (const uint8_t *)"abc", 3, 0444, 0, &err), CVM_OK);
    assert_string_equal(err.field, "create");
    assert_int_equal(temps_in(dir), 0);
    cvm_test_sh("rm -rf %s", dir);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_write_and_refuse),
        cmocka_unit_test(t_failure_leaves_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
