/* BM25 over term-major postings in one pass: the optional compiled kernel of
 * bot.core.postings (which holds the same algorithm in numpy when this is not built).
 *
 * accumulate(): for every query term t with weight w and every posting (d, tf) of t,
 *     acc[d] += w * (idf[t] * ((tf * (k1 + 1)) / (tf + norm[d])))
 * in query-term order, the very operations (and order) of the numpy path, so the scores are
 * bit-identical to it and to the score matrix earlier versions stored.  Each paragraph is
 * listed in ``touched`` the first time it is reached.
 *
 * search(): the same sums a block of BLOCK_DOCS paragraphs at a time, into an accumulator
 * of the block's own (``acc``, BLOCK_DOCS doubles, zero, left zero for the next query;
 * the paragraphs reached marked in a bitset, read in order), then the k best that pass the
 * mask (higher score first, ties to the lower paragraph number) and the count of those that
 * pass.  A block's accumulator of 256 kB made queries up to twice as fast at ten million
 * paragraphs as one slot per paragraph of the archive (80 MB, its block's window no
 * smaller): what an eager term reached missed the cache there.  The scratch belongs to one
 * caller at a time; the loops run without the GIL.
 *
 * With ``bounds`` (each query term's largest possible contribution) search() prunes as
 * MaxScore does: once k paragraphs are held, the terms whose bounds together stay below the
 * k-th score (with a margin for rounding) cannot lift a paragraph into the top k alone, so
 * in a block their postings are only counted, not scored; a paragraph the other terms
 * reached is scored in full (every term, in query-term order: the same bits as unpruned,
 * by walking the block's postings beside the candidates in order) only when its partial
 * sum plus those bounds can still reach the k-th score.  The top k
 * and the count are exactly those of the unpruned search.  Asked for no count (``counted``
 * false: /ask needs only the best few), the lazy terms' postings are not walked at all: a
 * candidate is looked up in them by a doubling search, from the largest bound down, and
 * dropped as soon as what it has plus what it could still get falls below the k-th score
 * (the largest bound's term has its block's postings marked in a bitmap first when they
 * are few beside the candidates: most candidates then go without a search); blocks only
 * they reach are skipped; the candidates are listed in order as they are tested, not
 * marked and read back; the top k is the same, the count returned -1.
 *
 * invert(): the build's side, every paragraph's term ids turned into those term-major
 * postings in two passes (count, then fill), without a paragraph-by-term matrix.
 *
 * peaks(): each term's largest contribution factor, saved with an index for the pruning.
 *
 * Arrays arrive through the buffer protocol (numpy arrays, memory maps); every length and
 * item size is checked here, so a bad call raises instead of reading out of bounds.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

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

/* Pruning (MaxScore) state: each query term's bound, the terms by bound ascending, which
 * terms are lazy (counted, not scored) in the current block and their bounds' sum, a mark
 * per paragraph of a block (for the count), each term's first posting in the block, and
 * the block's candidates: a bit per paragraph, then the candidates ascending and their sums. */
struct pruning {
    const double *ub;
    Py_ssize_t *order;
    uint8_t *lazy;
    uint8_t *marks;
    int64_t *start;
    uint64_t *bits;
    uint64_t *seen;  /* unmasked count: the block's paragraphs a lazy term reached */
    uint64_t *reach;  /* the block's paragraphs an eager term reached (search()'s own) */
    int32_t *cand;
    double *sums;
    uint64_t *lbits;  /* the filter's bitmap: a lazy term's postings in a block */
    double lazy_sum;
    Py_ssize_t n_lazy;  /* the lazy terms: order[0 .. n_lazy - 1] */
};

/* Relative margin on every bound comparison: far above the rounding of summing a few
 * thousand terms in another order, so a paragraph is skipped only when it surely scores
 * below the k-th. */
#define PRUNE_MARGIN 1e-9

/* Whether a paragraph whose score is at most ``est`` may still reach ``theta``. */
static inline int
may_reach(double est, double theta)
{
    return !(est * (1.0 + PRUNE_MARGIN) < theta);
}

/* The uncounted filter's bitmap: the lazy term of largest bound has its postings in a block
 * marked a bit per paragraph when they are at most MAP_RATIO times the block's candidates,
 * so a candidate it does not reach (most, for a common word) drops its bound without a
 * search of its list. (A second term's bitmap, or a ratio of 2 to 32, measured no better
 * at ten million paragraphs.) */
#define MAP_RATIO 8

static int
pruning_init(struct pruning *pr, const double *ub, Py_ssize_t m)
{
    pr->ub = ub;
    pr->order = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)m);
    pr->lazy = PyMem_Calloc((size_t)m, 1);
    pr->marks = PyMem_Calloc(BLOCK_DOCS, 1);
    pr->start = PyMem_Malloc(sizeof(int64_t) * 2 * (size_t)m);  /* and the filter's cursors */
    pr->bits = PyMem_Calloc(BLOCK_DOCS / 64, sizeof(uint64_t));
    pr->seen = PyMem_Calloc(BLOCK_DOCS / 64, sizeof(uint64_t));
    pr->cand = PyMem_Malloc(sizeof(int32_t) * BLOCK_DOCS);
    pr->sums = PyMem_Calloc(BLOCK_DOCS, sizeof(double));
    pr->lbits = PyMem_Calloc(BLOCK_DOCS / 64, sizeof(uint64_t));
    if (pr->order == NULL || pr->lazy == NULL || pr->marks == NULL || pr->start == NULL ||
        pr->bits == NULL || pr->seen == NULL || pr->cand == NULL || pr->sums == NULL ||
        pr->lbits == NULL)
        return -1;
    for (Py_ssize_t i = 0; i < m; i++) {  /* insertion sort by bound: m is a query's terms */
        Py_ssize_t j = i;
        while (j > 0 && ub[pr->order[j - 1]] > ub[i]) { pr->order[j] = pr->order[j - 1]; j--; }
        pr->order[j] = i;
    }
    return 0;
}

static void
pruning_free(struct pruning *pr)
{
    PyMem_Free(pr->order); PyMem_Free(pr->lazy); PyMem_Free(pr->marks); PyMem_Free(pr->start);
    PyMem_Free(pr->bits); PyMem_Free(pr->seen); PyMem_Free(pr->cand); PyMem_Free(pr->sums);
    PyMem_Free(pr->lbits);
    pr->ub = NULL;
}

/* Mark lazy the terms of smallest bounds whose sum (with the margin) stays below theta, the
 * k-th score: a paragraph only they reach cannot enter the top k. Returns how many. */
static Py_ssize_t
lazy_terms(struct pruning *pr, Py_ssize_t m, double theta)
{
    double run = 0.0;
    Py_ssize_t n = 0;
    for (Py_ssize_t p = 0; p < m; p++) pr->lazy[p] = 0;
    for (Py_ssize_t p = 0; p < m; p++) {
        double next = run + pr->ub[pr->order[p]];
        if (may_reach(next, theta)) break;
        run = next;
        pr->lazy[pr->order[p]] = 1;
        n++;
    }
    pr->lazy_sum = run;
    pr->n_lazy = n;
    return n;
}

/* (tf * (k1 + 1)) / (tf + normtab[len]): from the caller's table for small counts (the
 * same expression computed once per count and length, so the same bits), else computed. */
#define FACTOR_TFS 16
static inline double
factor(const double *ft, unsigned t, Py_ssize_t len, Py_ssize_t n_lengths, double k1p1,
       const double *nt)
{
    if (ft != NULL && t < FACTOR_TFS) return ft[(Py_ssize_t)t * n_lengths + len];
    double q = (double)t;
    return (q * k1p1) / (q + nt[len]);
}

/* What scoring a posting needs (the arrays search() checked). */
struct block {
    const int32_t *dp; const uint16_t *tp; const uint8_t *tp8; int narrow;
    const uint16_t *lp16; const uint32_t *lp32; int wide_lens;
    Py_ssize_t n_docs, n_lengths;
    const double *nt, *idfp; const int64_t *qp; const double *wp; double k1p1;
    const uint8_t *mp;
    const double *ft;  /* FACTOR_TFS x n_lengths factors, or NULL */
};

static inline Py_ssize_t
block_len(const struct block *b, int32_t d)
{
    return b->wide_lens ? (Py_ssize_t)b->lp32[d] : (Py_ssize_t)b->lp16[d];
}

static inline double
contribution(const struct block *b, Py_ssize_t i, int64_t j, int32_t d)
{
    unsigned t = b->narrow ? b->tp8[j] : b->tp[j];
    return b->idfp[b->qp[i]] * factor(b->ft, t, block_len(b, d), b->n_lengths, b->k1p1, b->nt);
}

/* The first posting in [j, hi) of paragraph target or above (hi when none): a doubling
 * search from j, then a binary one, so a long list is crossed in a few reads. */
static inline int64_t
gallop(const int32_t *dp, int64_t j, int64_t hi, int32_t target)
{
    if (j >= hi || dp[j] >= target) return j;
    int64_t lo = j, step = 1;  /* dp[lo] < target */
    while (lo + step < hi && dp[lo + step] < target) { lo += step; step <<= 1; }
    int64_t r = lo + step < hi ? lo + step : hi;  /* dp[r] >= target, or r == hi */
    while (lo + 1 < r) {  /* without a branch on the comparison (a coin toss) */
        int64_t mid = lo + (r - lo) / 2;
        int less = dp[mid] < target;
        lo = less ? mid : lo;
        r = less ? r : mid;
    }
    return r;
}

/* The block's candidates (their bits set) scored in full and offered to the k-heap: the
 * candidates in ascending order, then each query term's postings of the block walked beside
 * them in query-term order, so each sum adds the same terms in the same order as the
 * unpruned loop (the same bits), without searching any list. The bits are cleared.
 * Uncounted (``end`` given), a lazy term's postings were not walked: each candidate is
 * found in them by gallop() from the term's position, which then stays at the first
 * posting not yet passed. */
static void
score_candidates(const struct block *b, struct pruning *pr, int64_t *cur, const int64_t *end,
                 Py_ssize_t m, int64_t block_lo, double *ap, double *hs, int32_t *hd,
                 Py_ssize_t *filled, Py_ssize_t k, Py_ssize_t listed)
{
    Py_ssize_t nc = listed;  /* candidates listed already (then no bit is set) */
    for (Py_ssize_t wi = 0; wi < BLOCK_DOCS / 64 && !listed; wi++) {
        uint64_t word = pr->bits[wi];
        if (!word) continue;
        pr->bits[wi] = 0;
        while (word) {
            int bit = __builtin_ctzll(word);
            int32_t d = (int32_t)(block_lo + wi * 64 + bit);
            pr->cand[nc] = d;
            pr->sums[nc++] = ap[d - block_lo] + 0.0;  /* the partial sum, for the filter */
            ap[d - block_lo] = 0.0;
            word &= word - 1;
        }
    }
    /* Uncounted: each candidate's lazy terms looked up from the largest bound down, its
     * estimate (partial sum, the contributions found, the bounds of the terms not yet looked
     * up) checked after each, and the candidate dropped as soon as it cannot reach the k-th
     * score (a question's common words: most candidates go at the first look-up). The
     * filter keeps a cursor per lazy term (the candidates ascend); the survivors are then
     * scored in full below, in query-term order. */
    int filtered = end != NULL && nc;
    int64_t *look = pr->start + m;
    int mapped = 0;  /* the bitmap of the largest lazy bound is set */
    if (filtered) {
        Py_ssize_t kept = 0;
        for (Py_ssize_t i = 0; i < m; i++) look[i] = cur[i];
        if (pr->n_lazy > 0) {  /* its postings below the block skipped: no candidate there */
            Py_ssize_t i = pr->order[pr->n_lazy - 1];
            int64_t lo = gallop(b->dp, look[i], end[i], (int32_t)block_lo);
            int64_t hi = gallop(b->dp, lo, end[i], (int32_t)(block_lo + BLOCK_DOCS));
            look[i] = lo;
            if (hi - lo <= (int64_t)MAP_RATIO * nc) {
                for (int64_t j = lo; j < hi; j++) {
                    uint64_t off = (uint64_t)((int64_t)b->dp[j] - block_lo);
                    /* in the block always, for postings that ascend; never outside it */
                    pr->lbits[(off >> 6) & (BLOCK_DOCS / 64 - 1)] |=
                        (uint64_t)(off < BLOCK_DOCS) << (off & 63);
                }
                mapped = 1;
            }
        }
        for (Py_ssize_t c = 0; c < nc; c++) {
            int32_t d = pr->cand[c];
            uint64_t off = (uint64_t)((int64_t)d - block_lo);
            double est = pr->sums[c] + pr->lazy_sum;
            int alive = 1;
            for (Py_ssize_t p = pr->n_lazy - 1; p >= 0 && alive; p--) {
                Py_ssize_t i = pr->order[p];  /* the lazy terms, largest bound first */
                est -= pr->ub[i];
                if (mapped && p == pr->n_lazy - 1 &&
                    !((pr->lbits[off >> 6] >> (off & 63)) & 1)) {
                    alive = may_reach(est, hs[0]);  /* not reached */
                    continue;
                }
                int64_t j = gallop(b->dp, look[i], end[i], d);
                look[i] = j;
                if (j < end[i] && b->dp[j] == d) est += contribution(b, i, j, d) * b->wp[i];
                alive = may_reach(est, hs[0]);
            }
            if (alive) pr->cand[kept++] = d;
        }
        nc = kept;
        if (mapped) memset(pr->lbits, 0, BLOCK_DOCS / 8);
    }
    for (Py_ssize_t c = 0; c < nc; c++) pr->sums[c] = 0.0;
    for (Py_ssize_t i = 0; i < m && nc; i++) {
        double w = b->wp[i];
        if (end != NULL && pr->lazy[i]) {
            int64_t j = cur[i], hi = end[i];
            for (Py_ssize_t c = 0; c < nc && j < hi; c++) {
                j = gallop(b->dp, j, hi, pr->cand[c]);
                if (j < hi && b->dp[j] == pr->cand[c]) {
                    pr->sums[c] += contribution(b, i, j, pr->cand[c]) * w;
                    j++;
                }
            }
            cur[i] = j;
            continue;
        }
        int64_t j = pr->start[i], hi = cur[i];
        Py_ssize_t c = 0;
        while (j < hi && c < nc) {
            int32_t d = b->dp[j], e = pr->cand[c];
            if (d < e) j++;
            else if (d > e) c++;
            else { pr->sums[c] += contribution(b, i, j, d) * w; j++; c++; }
        }
    }
    for (Py_ssize_t c = 0; c < nc; c++) {
        heap_push(hs, hd, filled, k, pr->sums[c] + 0.0, pr->cand[c]);
        pr->sums[c] = 0.0;
    }
    if (filtered)  /* each lazy term's cursor after what either pass looked at */
        for (Py_ssize_t i = 0; i < m; i++)
            if (pr->lazy[i] && look[i] > cur[i]) cur[i] = look[i];
}

/* Eager term i's postings in the block summed into ``ap`` (the block's own accumulator,
 * indexed from block_lo), each paragraph marked in ``reach`` (and counted through
 * ``marks``, when given), and the words of ``reach`` they set added to lo_word..hi_word.
 * Returns 1 on a bad posting. */
static inline int
eager_postings(const struct block *b, Py_ssize_t i, int64_t *cur, const int64_t *end,
               int64_t block_lo, int64_t block_hi, double *ap, uint64_t *reach,
               uint8_t *marks, Py_ssize_t *total, int64_t *lo_word, int64_t *hi_word)
{
    int64_t j = cur[i], hi = end[i], first = j;
    double w = b->wp[i];
    int32_t prev = (int32_t)block_lo - 1;
    int bad = 0;
    for (; j < hi; j++) {
        int32_t d = b->dp[j];
        if (d >= block_hi) break;
        /* ascending, in the block: what the words reached below rely on */
        if (d <= prev || d >= b->n_docs || block_len(b, d) >= b->n_lengths) {
            bad = 1;
            break;
        }
        prev = d;
        if (marks != NULL && !marks[d - block_lo]) {
            marks[d - block_lo] = 1;
            if (b->mp[d]) (*total)++;
        }
        /* the sums start at zero: the same bits as add() gives, no branch (a driving
         * term's sum, last, only filters: any order will do) */
        ap[d - block_lo] += contribution(b, i, j, d) * w;
        reach[(d - block_lo) >> 6] |= (uint64_t)1 << ((d - block_lo) & 63);
    }
    if (j > first) {  /* postings ascend: the first and last give the words reached */
        int64_t a = (b->dp[first] - block_lo) >> 6, z = (b->dp[j - 1] - block_lo) >> 6;
        if (a < *lo_word) *lo_word = a;
        if (z + 1 > *hi_word) *hi_word = z + 1;
    }
    cur[i] = j;
    return bad;
}

/* Uncounted, the driving term alone in the block: each of its paragraphs is a candidate
 * (appended to pr->cand and pr->sums at *listed, in order) when its contribution plus the
 * lazy bounds may reach theta. Returns 1 on a bad posting. */
static inline int
listed_alone(const struct block *b, struct pruning *pr, Py_ssize_t i, int64_t *cur,
             const int64_t *end, int64_t block_lo, int64_t block_hi, double theta,
             double lazy_sum, Py_ssize_t *listed)
{
    int64_t j = cur[i], hi = end[i];
    double w = b->wp[i];
    int32_t prev = (int32_t)block_lo - 1;
    Py_ssize_t n = *listed;
    int bad = 0;
    for (; j < hi; j++) {
        int32_t d = b->dp[j];
        if (d >= block_hi) break;
        if (d <= prev || d >= b->n_docs || block_len(b, d) >= b->n_lengths) {
            bad = 1;
            break;
        }
        prev = d;
        double partial = contribution(b, i, j, d) * w;
        pr->cand[n] = d;  /* written always, kept when it passes: no branch */
        pr->sums[n] = partial;
        n += (b->mp == NULL || b->mp[d]) & may_reach(partial + lazy_sum, theta);
    }
    cur[i] = j;
    *listed = n;
    return bad;
}

/* One block with lazy terms: the eager terms summed into ``ap`` (the block's own
 * accumulator, indexed from block_lo), then each paragraph they
 * reached scored in full unless its partial sum plus the lazy bounds cannot reach the k-th
 * score. With ``total``, every posting is counted once per paragraph; a lazy term's
 * are only counted, its lengths read (and checked, by the eager term that reached the
 * paragraph) when a candidate is scored. Without (NULL: no count), a lazy term's postings
 * are not walked at all. Unmasked, the count is a bit per paragraph set without a branch
 * and the bits counted once per block (a common term's postings made the test-and-set of
 * a mark a mispredicted branch each); masked, each paragraph's first posting is checked
 * against the mask (marks). Returns 1 on a bad posting. */
static int
pruned_block(const struct block *b, struct pruning *pr, int64_t *cur, const int64_t *end,
             Py_ssize_t m, int64_t block_lo, int64_t block_hi, double *ap,
             double *hs, int32_t *hd, Py_ssize_t *filled, Py_ssize_t k, Py_ssize_t *total)
{
    int bad = 0;
    uint64_t *seen = total != NULL && b->mp == NULL ? pr->seen : NULL, *reach = pr->reach;
    uint8_t *marks = total != NULL && b->mp != NULL ? pr->marks : NULL;
    int64_t lo_word = BLOCK_DOCS / 64, hi_word = 0;  /* the words of ``reach`` set */
    /* Uncounted, the candidates are listed in order as they are tested, not marked in the
     * block's bits and read back: by the eager term with the most postings left (walked
     * last) as it comes when no other eager term reaches the block, else by the test of
     * every paragraph reached. */
    Py_ssize_t driver = -1;
    if (total == NULL)
        for (Py_ssize_t i = 0; i < m; i++)
            if (!pr->lazy[i] && (driver < 0 || end[i] - cur[i] > end[driver] - cur[driver]))
                driver = i;
    for (Py_ssize_t i = 0; i < m && !bad; i++) {
        int lazy = pr->lazy[i];
        if ((lazy && total == NULL) || i == driver) continue;
        pr->start[i] = cur[i];
        if (lazy) {  /* only counted */
            int64_t j = cur[i], hi = end[i];
            for (; j < hi; j++) {
                int32_t d = b->dp[j];
                if (d >= block_hi) break;
                if (d < block_lo || d >= b->n_docs) {
                    bad = 1;
                    break;
                }
                if (seen != NULL)
                    seen[(d - block_lo) >> 6] |= (uint64_t)1 << ((d - block_lo) & 63);
                else if (!marks[d - block_lo]) {
                    marks[d - block_lo] = 1;
                    if (b->mp[d]) (*total)++;
                }
            }
            cur[i] = j;
            continue;
        }
        bad = eager_postings(b, i, cur, end, block_lo, block_hi, ap, reach, marks, total,
                             &lo_word, &hi_word);
    }
    if (seen != NULL) {  /* every paragraph an eager or a lazy term reached, counted */
        Py_ssize_t reached = 0;
        for (Py_ssize_t wi = 0; wi < BLOCK_DOCS / 64; wi++) {
            reached += __builtin_popcountll(seen[wi] | reach[wi]);
            seen[wi] = 0;
        }
        *total += reached;
    }
    /* each paragraph the eager terms reached, in order: a candidate unless its partial sum
     * plus the lazy bounds cannot reach the k-th score (its partial sum then stays in ap,
     * for score_candidates); every other sum reset. Without a branch on the test: which
     * paragraphs pass is unpredictable, and mispredicting it was a tenth of a search. */
    const double theta = hs[0], lazy_sum = pr->lazy_sum;
    const uint8_t *mp = b->mp;
    Py_ssize_t listed = 0;  /* candidates listed (uncounted) */
    if (driver >= 0 && !bad) {
        pr->start[driver] = cur[driver];
        if (lo_word < hi_word)  /* summed like the others, tested below */
            bad = eager_postings(b, driver, cur, end, block_lo, block_hi, ap, reach, NULL,
                                 NULL, &lo_word, &hi_word);
        else  /* alone in the block: it lists its candidates itself */
            bad = listed_alone(b, pr, driver, cur, end, block_lo, block_hi, theta, lazy_sum,
                               &listed);
    }
    if (total == NULL && driver >= 0) {  /* uncounted: each reached, listed if it passes */
        for (int64_t wi = lo_word; wi < hi_word; wi++) {
            uint64_t word = reach[wi];
            reach[wi] = 0;
            while (word) {
                int bit = __builtin_ctzll(word);
                word &= word - 1;
                int64_t off = wi * 64 + bit;
                double partial = ap[off] + 0.0;
                Py_ssize_t pass = !bad & (mp == NULL || mp[block_lo + off]) &
                                  may_reach(partial + lazy_sum, theta);
                ap[off] = 0.0;
                pr->cand[listed] = (int32_t)(block_lo + off);
                pr->sums[listed] = partial;
                listed += pass;
            }
        }
        lo_word = hi_word;  /* nothing left for the loop below */
    }
    for (int64_t wi = lo_word; wi < hi_word; wi++) {
        uint64_t word = reach[wi], keep = 0;
        reach[wi] = 0;
        while (word) {
            int bit = __builtin_ctzll(word);
            word &= word - 1;
            int64_t off = wi * 64 + bit;
            double partial = ap[off] + 0.0;
            uint64_t pass = (uint64_t)(!bad & (mp == NULL || mp[block_lo + off]) &
                                       may_reach(partial + lazy_sum, theta));
            keep |= pass << bit;
            ap[off] = pass ? partial : 0.0;
        }
        pr->bits[wi] = keep;
    }
    if (!bad)
        score_candidates(b, pr, cur, total == NULL ? end : NULL, m, block_lo, ap, hs, hd,
                         filled, k, listed);
    else
        memset(pr->bits, 0, BLOCK_DOCS / 8);
    if (marks != NULL)
        memset(pr->marks, 0, BLOCK_DOCS);
    return bad;
}

/* The k best paragraphs and the match count, a block of paragraphs at a time: for each
 * block, every query term's postings in it (in query-term order, so each paragraph's sum
 * adds the same terms in the same order as accumulate()), then the block's paragraphs into
 * the k-heap and their accumulator reset. A paragraph's normaliser is normtab[its length]
 * (lengths of 2 or 4 bytes). */
static PyObject *
search(PyObject *self, PyObject *args)
{
    Py_buffer indptr, docs, tf, idf, lens, normtab, terms, weights, acc, mask,
        out_docs, out_scores, bounds;
    double k1p1;
    PyObject *mask_obj, *bounds_obj = Py_None, *factors_obj = Py_None, *result = NULL;
    Py_buffer factors;
    int has_mask = 0, has_bounds = 0, has_factors = 0, counted = 1;
    int64_t *cur = NULL;
    uint64_t *reach = NULL;
    struct pruning pr = {0};
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*dy*y*w*Ow*w*|OOp", &indptr, &docs, &tf, &idf,
                          &lens, &normtab, &k1p1, &terms, &weights, &acc, &mask_obj,
                          &out_docs, &out_scores, &bounds_obj, &factors_obj, &counted))
        return NULL;
    if (factors_obj != Py_None) {
        if (PyObject_GetBuffer(factors_obj, &factors, PyBUF_FORMAT) < 0) goto done;
        has_factors = 1;
        if (check(&factors, 8, "factors") ||
            (factors.len != 0 && factors.len != (Py_ssize_t)(FACTOR_TFS * normtab.len))) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "postings: factors of the wrong size");
            goto done;
        }
    }
    if (mask_obj != Py_None) {
        if (PyObject_GetBuffer(mask_obj, &mask, PyBUF_SIMPLE) < 0) goto done;
        has_mask = 1;
    }
    if (bounds_obj != Py_None) {
        if (PyObject_GetBuffer(bounds_obj, &bounds, PyBUF_FORMAT) < 0) goto done;
        has_bounds = 1;
        if (check(&bounds, 8, "bounds") || bounds.len != terms.len) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "postings: one bound per query term");
            goto done;
        }
    }
    if (tf.itemsize != 1 && check(&tf, 2, "tf"))
        goto done;
    if (check(&indptr, 8, "indptr") || check(&docs, 4, "docs") || check(&idf, 8, "idf") ||
        (lens.itemsize != 4 && check(&lens, 2, "lens")) || check(&normtab, 8, "normtab") ||
        check(&terms, 8, "terms") || check(&weights, 8, "weights") ||
        check(&acc, 8, "acc") || check(&out_docs, 4, "out_docs") || check(&out_scores, 8, "out_scores"))
        goto done;
    {
        const int64_t *ip = indptr.buf, *qp = terms.buf;
        const int32_t *dp = docs.buf;
        const uint16_t *tp = tf.buf;
        const uint8_t *tp8 = tf.buf, *mp = has_mask ? mask.buf : NULL;
        const double *idfp = idf.buf, *nt = normtab.buf, *wp = weights.buf;
        const double *ft = has_factors && factors.len ? factors.buf : NULL;
        const uint16_t *lp16 = lens.buf;
        const uint32_t *lp32 = lens.buf;
        int wide_lens = lens.itemsize == 4;
#define LEN(d) (wide_lens ? (Py_ssize_t)lp32[d] : (Py_ssize_t)lp16[d])
        double *ap = acc.buf, *hs = out_scores.buf;
        int32_t *hd = out_docs.buf;
        int narrow = tf.itemsize == 1;
        Py_ssize_t n_terms = idf.len / 8, n_docs = lens.len / lens.itemsize, nnz = docs.len / 4;
        Py_ssize_t n_lengths = normtab.len / 8;
        Py_ssize_t m = terms.len / 8, k = out_docs.len / 4, filled = 0, total = 0, bad = 0;
        if (indptr.len / 8 != n_terms + 1 || tf.len / tf.itemsize != nnz ||
            weights.len / 8 != m || acc.len / 8 != BLOCK_DOCS ||
            out_scores.len / 8 != k || (has_mask && mask.len != n_docs)) {
            PyErr_SetString(PyExc_ValueError, "postings: array lengths disagree");
            goto done;
        }
        cur = PyMem_Malloc(sizeof(int64_t) * 2 * (size_t)(m ? m : 1));
        reach = PyMem_Calloc(BLOCK_DOCS / 64, sizeof(uint64_t));
        if (cur == NULL || reach == NULL) { PyErr_NoMemory(); goto done; }
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
        if (has_bounds && m > 1 && k > 0 && pruning_init(&pr, bounds.buf, m) < 0) {
            PyErr_NoMemory();
            goto done;
        }
        pr.reach = reach;
        Py_BEGIN_ALLOW_THREADS
        if (m == 1) {
            /* one term: every posting is one paragraph's whole score, straight to the heap */
            double w = wp[0], it = idfp[qp[0]];
            for (int64_t j = cur[0]; j < end[0]; j++) {
                int32_t d = dp[j];
                if (d < 0 || d >= n_docs) { bad = 1; break; }
                if (mp != NULL && !mp[d]) continue;
                if (LEN(d) >= n_lengths) { bad = 1; break; }
                unsigned q = narrow ? tp8[j] : tp[j];
                double s = 0.0;
                s += (it * factor(ft, q, LEN(d), n_lengths, k1p1, nt)) * w;
                total++;
                heap_push(hs, hd, &filled, k, s, d);
            }
            m = 0;  /* nothing left for the blocks below */
        }
        for (;;) {
            /* Once k paragraphs are held, the lazy terms (those that cannot lift a paragraph
             * into the top k alone) are only counted; without a count they are left
             * unwalked: the next block is the next that an eager term reaches, and none
             * left ends the search. */
            int pruning = pr.ub != NULL && filled == k && lazy_terms(&pr, m, hs[0]) > 0;
            int uncounted = pruning && !counted;
            /* the next block holding a posting: skip the empty ones */
            int64_t next = -1;
            for (Py_ssize_t i = 0; i < m; i++)
                if (cur[i] < end[i] && !(uncounted && pr.lazy[i]) &&
                    (next < 0 || dp[cur[i]] < next))
                    next = dp[cur[i]];
            if (next < 0) break;
            if (next >= n_docs || next < 0) { bad = 1; break; }
            int64_t block_hi = (next / BLOCK_DOCS + 1) * BLOCK_DOCS, block_lo = block_hi - BLOCK_DOCS;
            if (pruning) {
                struct block b = {dp, tp, tp8, narrow, lp16, lp32, wide_lens, n_docs,
                                  n_lengths, nt, idfp, qp, wp, k1p1, mp, ft};
                bad = pruned_block(&b, &pr, cur, end, m, block_lo, block_hi,
                                   ap, hs, hd, &filled, k, uncounted ? NULL : &total);
                if (bad) break;
                continue;
            }
            int64_t lo_word = BLOCK_DOCS / 64, hi_word = 0;  /* the words of reach set */
            for (Py_ssize_t i = 0; i < m && !bad; i++) {
                double w = wp[i], it = idfp[qp[i]];
                int64_t j = cur[i], hi = end[i], first = j;
                int32_t prev = (int32_t)block_lo - 1;
                for (; j < hi; j++) {
                    int32_t d = dp[j];
                    if (d >= block_hi) break;
                    /* ascending, in the block: what the words reached below rely on */
                    if (d <= prev || d >= n_docs || LEN(d) >= n_lengths) { bad = 1; break; }
                    prev = d;
                    unsigned q = narrow ? tp8[j] : tp[j];
                    double v = it * factor(ft, q, LEN(d), n_lengths, k1p1, nt);
                    /* the sums start at zero: the same bits as add() gives, no branch */
                    ap[d - block_lo] += v * w;
                    reach[(d - block_lo) >> 6] |= (uint64_t)1 << ((d - block_lo) & 63);
                }
                if (j > first) {  /* postings ascend: the first and last give the words */
                    int64_t a = (dp[first] - block_lo) >> 6, z = (dp[j - 1] - block_lo) >> 6;
                    if (a < lo_word) lo_word = a;
                    if (z + 1 > hi_word) hi_word = z + 1;
                }
                cur[i] = j;
            }
            for (int64_t wi = lo_word; wi < hi_word; wi++) {  /* the block's paragraphs, in order */
                uint64_t word = reach[wi];
                reach[wi] = 0;
                while (word) {
                    int bit = __builtin_ctzll(word);
                    word &= word - 1;
                    int64_t off = wi * 64 + bit;
                    double s = ap[off] + 0.0;
                    ap[off] = 0.0;
                    int32_t d = (int32_t)(block_lo + off);
                    if (bad || (mp != NULL && !mp[d])) continue;
                    total++;
                    heap_push(hs, hd, &filled, k, s, d);
                }
            }
            if (bad) break;
        }
        heap_sort(hs, hd, filled);
        Py_END_ALLOW_THREADS
        if (bad) {
            PyErr_SetString(PyExc_ValueError, "postings: a term or paragraph id out of range");
            goto done;
        }
        result = Py_BuildValue("nn", filled, counted ? total : (Py_ssize_t)-1);
#undef LEN
    }
done:
    PyMem_Free(cur);
    PyMem_Free(reach);
    pruning_free(&pr);
    PyBuffer_Release(&indptr); PyBuffer_Release(&docs); PyBuffer_Release(&tf);
    PyBuffer_Release(&idf); PyBuffer_Release(&lens); PyBuffer_Release(&normtab);
    PyBuffer_Release(&terms); PyBuffer_Release(&weights); PyBuffer_Release(&acc);
    PyBuffer_Release(&out_docs); PyBuffer_Release(&out_scores);
    if (has_mask) PyBuffer_Release(&mask);
    if (has_bounds) PyBuffer_Release(&bounds);
    if (has_factors) PyBuffer_Release(&factors);
    return result;
}

/* invert(ids, lengths, remap, n_terms, indptr, docs, tf): term-major postings from every
 * paragraph's term ids back to back (``ids``, int32; ``lengths``: int64 tokens per
 * paragraph), each id first mapped through ``remap`` (int32: the index's term id, or -1 for
 * a term to drop).  Called with ``docs`` and ``tf`` empty it only fills ``indptr``
 * (int64, n_terms + 1: each term's offset, from how many paragraphs use it) and returns the
 * postings' count; called again with ``docs`` (int32) and ``tf`` (uint16) of that count, it
 * fills them: each term's paragraphs ascending with how often each uses it.  The same
 * arrays as sorting the paragraph-by-term count matrix by term (Postings.from_tf), without
 * building that matrix.  A count over 65535 raises ValueError. */
static PyObject *
invert(PyObject *self, PyObject *args)
{
    Py_buffer ids, lengths, remap, indptr, docs, tf;
    Py_ssize_t n_terms;
    PyObject *result = NULL;
    int32_t *last = NULL;
    int64_t *cur = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*nw*w*w*", &ids, &lengths, &remap, &n_terms, &indptr,
                          &docs, &tf))
        return NULL;
    if (check(&ids, 4, "ids") || check(&lengths, 8, "lengths") || check(&remap, 4, "remap") ||
        check(&indptr, 8, "indptr") || check(&docs, 4, "docs") || check(&tf, 2, "tf"))
        goto done;
    {
        const int32_t *ip = ids.buf, *rp = remap.buf;
        const int64_t *lp = lengths.buf;
        int64_t *pp = indptr.buf;
        int32_t *dp = docs.buf;
        uint16_t *tp = tf.buf;
        Py_ssize_t n_ids = ids.len / 4, n_docs = lengths.len / 8, n_remap = remap.len / 4;
        Py_ssize_t nnz = docs.len / 4, fill = nnz > 0, bad = 0, over = 0, at = 0;
        if (n_terms < 0 || indptr.len / 8 != n_terms + 1 || tf.len / 2 != nnz) {
            PyErr_SetString(PyExc_ValueError, "invert: array lengths disagree");
            goto done;
        }
        last = PyMem_Malloc(sizeof(int32_t) * (size_t)(n_terms ? n_terms : 1));
        cur = PyMem_Malloc(sizeof(int64_t) * (size_t)(n_terms ? n_terms : 1));
        if (last == NULL || cur == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t t = 0; t < n_terms; t++) last[t] = -1;
        if (fill) {
            for (Py_ssize_t t = 0; t < n_terms; t++) cur[t] = pp[t];
        } else {
            for (Py_ssize_t t = 0; t < n_terms; t++) cur[t] = 0;
        }
        for (Py_ssize_t d = 0; d < n_docs && !bad && !over; d++) {
            int64_t n = lp[d];
            if (n < 0 || n > n_ids - at) { bad = 1; break; }
            for (int64_t j = at; j < at + n; j++) {
                int32_t local = ip[j];
                if (local < 0 || local >= n_remap) { bad = 1; break; }
                int32_t t = rp[local];
                if (t < 0) continue;
                if (t >= n_terms) { bad = 1; break; }
                if (last[t] != (int32_t)d) {
                    last[t] = (int32_t)d;
                    if (fill) {
                        int64_t k = cur[t]++;
                        if (k >= pp[t + 1]) { bad = 1; break; }
                        dp[k] = (int32_t)d;
                        tp[k] = 1;
                    } else {
                        cur[t]++;
                    }
                } else if (fill) {
                    uint16_t *c = &tp[cur[t] - 1];
                    if (*c == UINT16_MAX) { over = 1; break; }
                    (*c)++;
                }
            }
            at += n;
        }
        if (!bad && !over && at != n_ids) bad = 1;
        if (!bad && !over && !fill) {
            int64_t total = 0;
            for (Py_ssize_t t = 0; t < n_terms; t++) { pp[t] = total; total += cur[t]; }
            pp[n_terms] = total;
            at = (Py_ssize_t)total;
        }
        if (!bad && !over && fill) {
            for (Py_ssize_t t = 0; t < n_terms && !bad; t++)
                if (cur[t] != pp[t + 1]) bad = 1;
            at = nnz;
        }
        Py_END_ALLOW_THREADS
        if (over) {
            PyErr_SetString(PyExc_ValueError, "a term occurs more than 65535 times in one "
                                              "paragraph");
            goto done;
        }
        if (bad) {
            PyErr_SetString(PyExc_ValueError, "invert: ids, lengths and postings disagree");
            goto done;
        }
        result = PyLong_FromSsize_t(at);
    }
done:
    PyMem_Free(last);
    PyMem_Free(cur);
    PyBuffer_Release(&ids); PyBuffer_Release(&lengths); PyBuffer_Release(&remap);
    PyBuffer_Release(&indptr); PyBuffer_Release(&docs); PyBuffer_Release(&tf);
    return result;
}

/* peaks(indptr, docs, tf, lens, normtab, k1p1, out): each term's largest
 * (tf * k1p1) / (tf + normtab[lens[doc]]) over its postings (0 for a term with none), the
 * expression PostingsScorer.peaks evaluates with numpy, in one pass (the same operations in
 * the same order: the same bits). */
static PyObject *
peaks(PyObject *self, PyObject *args)
{
    Py_buffer indptr, docs, tf, lens, normtab, out;
    double k1p1;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*dw*", &indptr, &docs, &tf, &lens, &normtab, &k1p1,
                          &out))
        return NULL;
    if ((tf.itemsize != 1 && check(&tf, 2, "tf")) || check(&indptr, 8, "indptr") ||
        check(&docs, 4, "docs") || (lens.itemsize != 4 && check(&lens, 2, "lens")) ||
        check(&normtab, 8, "normtab") || check(&out, 8, "out"))
        goto done;
    {
        const int64_t *ip = indptr.buf;
        const int32_t *dp = docs.buf;
        const uint16_t *tp = tf.buf, *lp16 = lens.buf;
        const uint8_t *tp8 = tf.buf;
        const uint32_t *lp32 = lens.buf;
        const double *nt = normtab.buf;
        double *op = out.buf;
        int narrow = tf.itemsize == 1, wide_lens = lens.itemsize == 4;
        Py_ssize_t n_terms = out.len / 8, nnz = docs.len / 4;
        Py_ssize_t n_docs = lens.len / lens.itemsize, n_lengths = normtab.len / 8;
        int bad = 0;
        if (indptr.len / 8 != n_terms + 1 || tf.len / tf.itemsize != nnz) {
            PyErr_SetString(PyExc_ValueError, "peaks: array lengths disagree");
            goto done;
        }
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t t = 0; t < n_terms && !bad; t++) {
            int64_t lo = ip[t], hi = ip[t + 1];
            if (lo < 0 || hi < lo || hi > nnz) { bad = 1; break; }
            double best = 0.0;
            for (int64_t j = lo; j < hi; j++) {
                int32_t d = dp[j];
                if (d < 0 || d >= n_docs) { bad = 1; break; }
                Py_ssize_t len = wide_lens ? (Py_ssize_t)lp32[d] : (Py_ssize_t)lp16[d];
                if (len >= n_lengths) { bad = 1; break; }
                double q = narrow ? (double)tp8[j] : (double)tp[j];
                double f = (q * k1p1) / (q + nt[len]);
                if (j == lo || f > best) best = f;
            }
            op[t] = best;
        }
        Py_END_ALLOW_THREADS
        if (bad) {
            PyErr_SetString(PyExc_ValueError, "peaks: a posting out of range");
            goto done;
        }
    }
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&indptr); PyBuffer_Release(&docs); PyBuffer_Release(&tf);
    PyBuffer_Release(&lens); PyBuffer_Release(&normtab); PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"accumulate", accumulate, METH_VARARGS,
     "accumulate(indptr, docs, tf, idf, norm, k1p1, terms, weights, acc, touched) -> n"},
    {"search", search, METH_VARARGS,
     "search(indptr, docs, tf, idf, lens, normtab, k1p1, terms, weights, acc (BLOCK_DOCS "
     "zeros), mask|None, out_docs, out_scores[, bounds|None[, factors|None[, counted]]]) -> "
     "(filled, total)"},
    {"invert", invert, METH_VARARGS,
     "invert(ids, lengths, remap, n_terms, indptr, docs, tf) -> count of postings"},
    {"peaks", peaks, METH_VARARGS,
     "peaks(indptr, docs, tf, lens, normtab, k1p1, out): each term's peak into out"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_postings", "BM25 postings kernel (see bot.core.postings).", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__postings(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "BLOCK_DOCS", BLOCK_DOCS) < 0)
        Py_CLEAR(m);
    return m;
}
