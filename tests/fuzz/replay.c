/*
 * replay.c - runs a fuzz target over its saved corpus as a Criterion test,
 * so every build (and the ASan+UBSan build in CI) replays the corpus
 * without needing clang's libFuzzer.  VR_FUZZ_CORPUS names the directory.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    cr_assert_not_null(d, "fuzz corpus directory %s is missing", dir);
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        FILE *f;
        long len;
        uint8_t *buf;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc(len > 0 ? (size_t)len : 1);
        if (len > 0 && fread(buf, 1, (size_t)len, f) != (size_t)len)
            cr_assert_fail("short read of %s", path);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t)(len > 0 ? len : 0));
        free(buf);
        n++;
    }
    closedir(d);
    return n;
}

Test(fuzz_replay, corpus)
{
    size_t n = replay_dir(VR_FUZZ_CORPUS);
    cr_assert_gt(n, 0, "fuzz corpus %s is empty", VR_FUZZ_CORPUS);
}
