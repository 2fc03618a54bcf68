/* BM25 over term-major postings in one pass: the optional compiled kernel of
 * bot.core.postings (which holds the same algorithm in numpy when this is not built).
 *
 * accumulate(): for every query term t with weight w and every posting (d, tf) of t,
 *     acc[d] += w * (idf[t] * ((tf * (k1 + 1)) / (tf + norm[d])))
 * in query-term order, the very operations (and order) of the numpy path, so the scores are
 * bit-identical to it and to the score matrix earlier versions stored.  Each paragraph is
 * listed in ``touched`` the first time it is reached.
 *
 * search(): the same sums a block of paragraphs at a time, then the k best that pass the
 * mask (higher score first, ties to the lower paragraph number) and the count of those that
 * pass, the accumulator reset to zero for the next query.  The scratch arrays (acc,
 * touched) belong to one caller at a time; the loops run without the GIL.
 *
 * Arrays arrive through the buffer protocol (numpy arrays, memory maps); every length and
 * item size is checked here, so a bad call raises instead of reading out of bounds.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>

static int
check(Py_buffer *b, Py_ssize_t itemsize, const char *name)
{
    if (b->itemsize != itemsize || b->len % itemsize != 0) {
        PyErr_Format(PyExc_TypeError, "%s: expected items of %zd bytes", name, itemsize);
        return -1;
    }
    return 0;
}

/* Add one contribution to paragraph d's sum, listing d in ``touched`` on its first visit.
 * A zero sum can be a first visit or a repeat whose terms summed to exactly zero: the sign
 * bit of -0.0 marks "seen" apart from 0.0 (a reader adds 0.0 to turn it back). */
static inline void
add(double *ap, int32_t *up, Py_ssize_t *n_touched, int32_t d, double v)
{
    if (ap[d] == 0.0) {
        if (!signbit(ap[d])) up[(*n_touched)++] = d;
        ap[d] = -0.0;
    }
    ap[d] += v;
    if (ap[d] == 0.0) ap[d] = -0.0;
}

static PyObject *
accumulate(PyObject *self, PyObject *args)
{
    Py_buffer indptr, docs, tf, idf, norm, terms, weights, acc, touched;
    double k1p1;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*dy*y*w*w*", &indptr, &docs, &tf, &idf, &norm,
                          &k1p1, &terms, &weights, &acc, &touched))
        return NULL;
    if (tf.itemsize != 1 && check(&tf, 2, "tf"))
        goto done;
    if (check(&indptr, 8, "indptr") || check(&docs, 4, "docs") ||
        check(&idf, 8, "idf") || check(&norm, 8, "norm") || check(&terms, 8, "terms") ||
        check(&weights, 8, "weights") || check(&acc, 8, "acc") || check(&touched, 4, "touched"))
        goto done;
    {
        const int64_t *ip = indptr.buf;
        const int32_t *dp = docs.buf;
        const uint16_t *tp = tf.buf;
        const uint8_t *tp8 = tf.buf;
        int narrow = tf.itemsize == 1;
        const double *idfp = idf.buf, *np_ = norm.buf, *wp = weights.buf;
        const int64_t *qp = terms.buf;
        double *ap = acc.buf;
        int32_t *up = touched.buf;
        Py_ssize_t n_terms = idf.len / 8, n_docs = norm.len / 8, nnz = docs.len / 4;
        Py_ssize_t m = terms.len / 8, n_touched = 0, bad = 0;
        if (indptr.len / 8 != n_terms + 1 || tf.len / tf.itemsize != nnz || weights.len / 8 != m ||
            acc.len / 8 != n_docs || touched.len / 4 != n_docs) {
            PyErr_SetString(PyExc_ValueError, "postings: array lengths disagree");
            goto done;
        }
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < m && !bad; i++) {
            int64_t t = qp[i];
            if (t < 0 || t >= n_terms) { bad = 1; break; }
            int64_t lo = ip[t], hi = ip[t + 1];
            if (lo < 0 || hi < lo || hi > nnz) { bad = 1; break; }
            double w = wp[i], it = idfp[t];
            for (int64_t j = lo; j < hi; j++) {
                int32_t d = dp[j];
                if (d < 0 || d >= n_docs) { bad = 1; break; }
                double q = narrow ? (double)tp8[j] : (double)tp[j];
                double v = it * ((q * k1p1) / (q + np_[d]));
                add(ap, up, &n_touched, d, v * w);
            }
        }
        Py_END_ALLOW_THREADS
        if (bad) {
            PyErr_SetString(PyExc_ValueError, "postings: a term or paragraph id out of range");
            goto done;
        }
        result = PyLong_FromSsize_t(n_touched);
    }
done:
    PyBuffer_Release(&indptr); PyBuffer_Release(&docs); PyBuffer_Release(&tf);
    PyBuffer_Release(&idf); PyBuffer_Release(&norm); PyBuffer_Release(&terms);
    PyBuffer_Release(&weights); PyBuffer_Release(&acc); PyBuffer_Release(&touched);
    return result;
}

/* a is worse than b: lower score, or the same score and a later paragraph */
#define WORSE(sa, da, sb, db) ((sa) < (sb) || ((sa) == (sb) && (da) > (db)))

static void
sift_down(double *hs, int32_t *hd, Py_ssize_t n, Py_ssize_t i)
{
    for (;;) {
        Py_ssize_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && WORSE(hs[l], hd[l], hs[w], hd[w])) w = l;
        if (r < n && WORSE(hs[r], hd[r], hs[w], hd[w])) w = r;
        if (w == i) return;
        double ts = hs[i]; hs[i] = hs[w]; hs[w] = ts;
        int32_t td = hd[i]; hd[i] = hd[w]; hd[w] = td;
        i = w;
    }
}

/* Paragraphs per block of search(): its slice of the accumulator (and of norm) stays in
 * the CPU's cache while every query term's postings for the block are added. */
#define BLOCK_DOCS (1 << 15)

/* Offer (s, d) to the k-heap hs/hd holding *filled entries, its worst at the root. */
static void
heap_push(double *hs, int32_t *hd, Py_ssize_t *filled, Py_ssize_t k, double s, int32_t d)
{
    if (*filled < k) {
        Py_ssize_t c = (*filled)++;
        hs[c] = s; hd[c] = d;
        while (c > 0) {  /* sift up: the worst entry stays at the root */
            Py_ssize_t p = (c - 1) / 2;
            if (!WORSE(hs[c], hd[c], hs[p], hd[p])) break;
            double ts = hs[c]; hs[c] = hs[p]; hs[p] = ts;
            int32_t td = hd[c]; hd[c] = hd[p]; hd[p] = td;
            c = p;
        }
    } else if (k > 0 && WORSE(hs[0], hd[0], s, d)) {
        hs[0] = s; hd[0] = d;
        sift_down(hs, hd, *filled, 0);
    }
}

/* Heap sort in place: repeatedly move the worst to the end, so the best is first. */
static void
heap_sort(double *hs, int32_t *hd, Py_ssize_t filled)
{
    for (Py_ssize_t n = filled; n > 1; n--) {
        double ts = hs[0]; hs[0] = hs[n - 1]; hs[n - 1] = ts;
        int32_t td = hd[0]; hd[0] = hd[n - 1]; hd[n - 1] = td;
        sift_down(hs, hd, n - 1, 0);
    }
}

/* The k best paragraphs and the match count, a block of paragraphs at a time: for each
 * block, every query term's postings in it (in query-term order, so each paragraph's sum
 * adds the same terms in the same order as accumulate()), then the block's paragraphs into
 * the k-heap and their accumulator reset. A paragraph's normaliser is normtab[its length]
 * (lengths of 2 or 4 bytes). */
static PyObject *
search(PyObject *self, PyObject *args)
{
    Py_buffer indptr, docs, tf, idf, lens, normtab, terms, weights, acc, touched, mask,
        out_docs, out_scores;
    double k1p1;
    PyObject *mask_obj, *result = NULL;
    int has_mask = 0;
    int64_t *cur = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*dy*y*w*w*Ow*w*", &indptr, &docs, &tf, &idf,
                          &lens, &normtab, &k1p1, &terms, &weights, &acc, &touched, &mask_obj,
                          &out_docs, &out_scores))
        return NULL;
    if (mask_obj != Py_None) {
        if (PyObject_GetBuffer(mask_obj, &mask, PyBUF_SIMPLE) < 0) goto done;
        has_mask = 1;
    }
    if (tf.itemsize != 1 && check(&tf, 2, "tf"))
        goto done;
    if (check(&indptr, 8, "indptr") || check(&docs, 4, "docs") || check(&idf, 8, "idf") ||
        (lens.itemsize != 4 && check(&lens, 2, "lens")) || check(&normtab, 8, "normtab") ||
        check(&terms, 8, "terms") || check(&weights, 8, "weights") ||
        check(&acc, 8, "acc") || check(&touched, 4, "touched") ||
        check(&out_docs, 4, "out_docs") || check(&out_scores, 8, "out_scores"))
        goto done;
    {
        const int64_t *ip = indptr.buf, *qp = terms.buf;
        const int32_t *dp = docs.buf;
        const uint16_t *tp = tf.buf;
        const uint8_t *tp8 = tf.buf, *mp = has_mask ? mask.buf : NULL;
        const double *idfp = idf.buf, *nt = normtab.buf, *wp = weights.buf;
        const uint16_t *lp16 = lens.buf;
        const uint32_t *lp32 = lens.buf;
        int wide_lens = lens.itemsize == 4;
#define LEN(d) (wide_lens ? (Py_ssize_t)lp32[d] : (Py_ssize_t)lp16[d])
        double *ap = acc.buf, *hs = out_scores.buf;
        int32_t *up = touched.buf, *hd = out_docs.buf;
        int narrow = tf.itemsize == 1;
        Py_ssize_t n_terms = idf.len / 8, n_docs = lens.len / lens.itemsize, nnz = docs.len / 4;
        Py_ssize_t n_lengths = normtab.len / 8;
        Py_ssize_t m = terms.len / 8, k = out_docs.len / 4, filled = 0, total = 0, bad = 0;
        if (indptr.len / 8 != n_terms + 1 || tf.len / tf.itemsize != nnz ||
            weights.len / 8 != m || acc.len / 8 != n_docs || touched.len / 4 != n_docs ||
            out_scores.len / 8 != k || (has_mask && mask.len != n_docs)) {
            PyErr_SetString(PyExc_ValueError, "postings: array lengths disagree");
            goto done;
        }
        cur = PyMem_Malloc(sizeof(int64_t) * 2 * (size_t)(m ? m : 1));
        if (cur == NULL) { PyErr_NoMemory(); goto done; }
        int64_t *end = cur + m;
        for (Py_ssize_t i = 0; i < m; i++) {
            int64_t t = qp[i];
            if (t < 0 || t >= n_terms || ip[t] < 0 || ip[t + 1] < ip[t] || ip[t + 1] > nnz) {
                PyErr_SetString(PyExc_ValueError,
                                "postings: a term or paragraph id out of range");
                goto done;
            }
            cur[i] = ip[t]; end[i] = ip[t + 1];
        }
        Py_BEGIN_ALLOW_THREADS
        if (m == 1) {
            /* one term: every posting is one paragraph's whole score, straight to the heap */
            double w = wp[0], it = idfp[qp[0]];
            for (int64_t j = cur[0]; j < end[0]; j++) {
                int32_t d = dp[j];
                if (d < 0 || d >= n_docs) { bad = 1; break; }
                if (mp != NULL && !mp[d]) continue;
                if (LEN(d) >= n_lengths) { bad = 1; break; }
                double q = narrow ? (double)tp8[j] : (double)tp[j];
                double s = 0.0;
                s += (it * ((q * k1p1) / (q + nt[LEN(d)]))) * w;
                total++;
                heap_push(hs, hd, &filled, k, s, d);
            }
            m = 0;  /* nothing left for the blocks below */
        }
        for (;;) {
            /* the next block holding a posting: skip the empty ones */
            int64_t next = -1;
            for (Py_ssize_t i = 0; i < m; i++)
                if (cur[i] < end[i] && (next < 0 || dp[cur[i]] < next)) next = dp[cur[i]];
            if (next < 0) break;
            if (next >= n_docs || next < 0) { bad = 1; break; }
            int64_t block_hi = (next / BLOCK_DOCS + 1) * BLOCK_DOCS;
            Py_ssize_t n_touched = 0;
            for (Py_ssize_t i = 0; i < m && !bad; i++) {
                double w = wp[i], it = idfp[qp[i]];
                int64_t j = cur[i], hi = end[i];
                for (; j < hi; j++) {
                    int32_t d = dp[j];
                    if (d >= block_hi) break;
                    if (d < 0 || d >= n_docs || LEN(d) >= n_lengths) { bad = 1; break; }
                    double q = narrow ? (double)tp8[j] : (double)tp[j];
                    double v = it * ((q * k1p1) / (q + nt[LEN(d)]));
                    add(ap, up, &n_touched, d, v * w);
                }
                cur[i] = j;
            }
            for (Py_ssize_t i = 0; i < n_touched; i++) {
                int32_t d = up[i];
                double s = ap[d] + 0.0;
                ap[d] = 0.0;
                if (mp != NULL && !mp[d]) continue;
                total++;
                heap_push(hs, hd, &filled, k, s, d);
            }
            if (bad) break;
        }
        heap_sort(hs, hd, filled);
        Py_END_ALLOW_THREADS
        if (bad) {
            PyErr_SetString(PyExc_ValueError, "postings: a term or paragraph id out of range");
            goto done;
        }
        result = Py_BuildValue("nn", filled, total);
#undef LEN
    }
done:
    PyMem_Free(cur);
    PyBuffer_Release(&indptr); PyBuffer_Release(&docs); PyBuffer_Release(&tf);
    PyBuffer_Release(&idf); PyBuffer_Release(&lens); PyBuffer_Release(&normtab);
    PyBuffer_Release(&terms); PyBuffer_Release(&weights); PyBuffer_Release(&acc);
    PyBuffer_Release(&touched); PyBuffer_Release(&out_docs); PyBuffer_Release(&out_scores);
    if (has_mask) PyBuffer_Release(&mask);
    return result;
}

static PyMethodDef methods[] = {
    {"accumulate", accumulate, METH_VARARGS,
     "accumulate(indptr, docs, tf, idf, norm, k1p1, terms, weights, acc, touched) -> n"},
    {"search", search, METH_VARARGS,
     "search(indptr, docs, tf, idf, lens, normtab, k1p1, terms, weights, acc, touched, "
     "mask|None, out_docs, out_scores) -> (filled, total)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_postings", "BM25 postings kernel (see bot.core.postings).", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__postings(void)
{
    return PyModule_Create(&module);
}
