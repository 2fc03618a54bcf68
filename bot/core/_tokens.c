/* The tokenizer's fast path for ASCII text (optional: bot.core.tokenize holds the same rule
 * as a regular expression and uses it when this is not built).
 *
 * terms(text, cache): the words of ``text`` (already normalised: ASCII, lower case) as the
 * regular expression  \d+(?:[.,]\d+)+|\w+(?:'\w+)*  finds them (on ASCII, \d is [0-9] and
 * \w is [0-9A-Za-z_]), each mapped through ``cache`` (word -> term, or None for a stop
 * word, which is left out).  Returns None when ``text`` is not ASCII or a word is not in
 * the cache yet: the caller then takes the regular-expression path, which fills the cache.
 *
 * number(terms, number, out) and Words().ids(text, cache, number, out): a build worker's side
 * of bot.core.fileterms.TermCollector, each term turned into its id local to the file (the
 * order the file first uses it) and appended to a bytearray of int32; Words.ids does it from
 * the text in one pass, without making the list of terms.
 *
 * tokens_in(): which of a set of words a text holds as white-space-separated tokens (the
 * speech verbs quotation extraction looks for, bot.core.answers.cues.find_cues).
 *
 * sentence_cuts(): the sentence terminators of a line and whether each ends a sentence
 * (bot.core.answers.sentences, whose regular expression and rule it stands in for).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static inline int
is_digit(Py_UCS1 c)
{
    return c >= '0' && c <= '9';
}

static inline int
is_word(Py_UCS1 c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* The end of the match starting at i (a word character), as the expression finds it. */
static Py_ssize_t
match_end(const Py_UCS1 *s, Py_ssize_t n, Py_ssize_t i)
{
    Py_ssize_t j = i;
    if (is_digit(s[i])) {  /* first branch: a digit group such as 3,500 or 2.5 */
        while (j < n && is_digit(s[j])) j++;
        Py_ssize_t end = j;
        while (end + 1 < n && (s[end] == '.' || s[end] == ',') && is_digit(s[end + 1])) {
            end += 1;
            while (end < n && is_digit(s[end])) end++;
        }
        if (end > j) return end;
        j = i;
    }
    while (j < n && is_word(s[j])) j++;  /* second branch: a word, inner apostrophes */
    while (j + 1 < n && s[j] == '\'' && is_word(s[j + 1])) {
        j += 1;
        while (j < n && is_word(s[j])) j++;
    }
    return j;
}

static PyObject *
terms(PyObject *self, PyObject *args)
{
    PyObject *text, *cache;
    if (!PyArg_ParseTuple(args, "UO!", &text, &PyDict_Type, &cache))
        return NULL;
    if (!PyUnicode_IS_ASCII(text))
        Py_RETURN_NONE;
    const Py_UCS1 *s = PyUnicode_1BYTE_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0;
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    while (i < n) {
        if (!is_word(s[i])) {
            i++;
            continue;
        }
        Py_ssize_t j = match_end(s, n, i);
        PyObject *word = PyUnicode_FromKindAndData(PyUnicode_1BYTE_KIND, s + i, j - i);
        if (word == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyObject *term = PyDict_GetItemWithError(cache, word);  /* borrowed */
        Py_DECREF(word);
        if (term == NULL) {
            Py_DECREF(out);
            if (PyErr_Occurred())
                return NULL;
            Py_RETURN_NONE;  /* a word not seen yet */
        }
        if (term != Py_None && PyList_Append(out, term) < 0) {
            Py_DECREF(out);
            return NULL;
        }
        i = j;
    }
    return out;
}

/* Append id as a native int32 to the bytearray out (grown by doubling). */
struct ids_out {
    int32_t *buf;
    Py_ssize_t n, cap;
};

static int
push_id(struct ids_out *o, int32_t id)
{
    if (o->n == o->cap) {
        Py_ssize_t cap = o->cap ? 2 * o->cap : 64;
        int32_t *grown = PyMem_Realloc(o->buf, (size_t)cap * sizeof(int32_t));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        o->buf = grown;
        o->cap = cap;
    }
    o->buf[o->n++] = id;
    return 0;
}

/* The id of term in number (term -> int, numbered in insertion order), a new term getting
 * the next one; -1 with an exception set on failure. */
static int32_t
term_id(PyObject *number, PyObject *term)
{
    PyObject *known = PyDict_GetItemWithError(number, term);  /* borrowed */
    if (known != NULL)
        return (int32_t)PyLong_AsLong(known);
    if (PyErr_Occurred())
        return -1;
    Py_ssize_t next = PyDict_GET_SIZE(number);
    if (next >= INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "more distinct terms than int32 ids");
        return -1;
    }
    PyObject *id = PyLong_FromSsize_t(next);
    if (id == NULL)
        return -1;
    int failed = PyDict_SetItem(number, term, id);
    Py_DECREF(id);
    return failed ? -1 : (int32_t)next;
}

/* Write o's ids at the end of the bytearray out; returns their count, or -1. */
static Py_ssize_t
flush_ids(PyObject *out, struct ids_out *o)
{
    Py_ssize_t old = PyByteArray_GET_SIZE(out), add = o->n * (Py_ssize_t)sizeof(int32_t);
    if (add && PyByteArray_Resize(out, old + add) < 0)
        return -1;
    if (add)
        memcpy(PyByteArray_AS_STRING(out) + old, o->buf, (size_t)add);
    return o->n;
}

/* number(terms, number, out): every term of the list ``terms`` as its id in ``number`` (a
 * new term numbered next), appended to the bytearray ``out`` as native int32; returns how
 * many. */
static PyObject *
number(PyObject *self, PyObject *args)
{
    PyObject *list, *numbering, *out;
    if (!PyArg_ParseTuple(args, "O!O!O!", &PyList_Type, &list, &PyDict_Type, &numbering,
                          &PyByteArray_Type, &out))
        return NULL;
    struct ids_out o = {NULL, 0, 0};
    Py_ssize_t n = PyList_GET_SIZE(list), done = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *term = PyList_GET_ITEM(list, i);
        if (!PyUnicode_Check(term)) {
            PyErr_SetString(PyExc_TypeError, "number: terms must be str");
            goto end;
        }
        int32_t id = term_id(numbering, term);
        if (id < 0 || push_id(&o, id) < 0)
            goto end;
    }
    done = flush_ids(out, &o);
end:
    PyMem_Free(o.buf);
    return done < 0 ? NULL : PyLong_FromSsize_t(done);
}

/* Words: a build worker's word table, one per tokenizer.
 * Words.ids(text, cache, number, out[, term_of]) is what number(terms(text, cache), number,
 * out) does, in one pass (with term_of, terms() as if the cache held every word: term_of
 * gives a word it lacks): -1 (nothing appended, nothing numbered) where terms() would
 * return None. Each word's bytes are hashed and found in an open-addressing table of the words
 * seen before, which gives the word's term (an index into the table's terms, -1: a stop
 * word), with no str made per word and no dictionary lookup (making a str and looking it up
 * in two dictionaries cost about 450 ns a word at a build's vocabulary sizes). The term's id
 * in ``number`` is kept beside it, valid while the same ``number`` dictionary is passed (a
 * dictionary that only grows, as TermCollector's does). A word the table lacks is taken
 * from ``cache`` (word -> term or None), else from ``term_of(word)`` when it is given, and
 * added; without ``term_of``, one ``cache`` lacks too makes the call return -1 with nothing
 * done. */
struct word {
    uint64_t hash;
    Py_ssize_t at;  /* its bytes in the arena */
    int32_t len, term;  /* term: index in terms, -1 for a stop word */
    uint32_t seen;  /* the generation ``id`` was found in (0: none) */
    int32_t id;  /* the term's id in that generation's number dictionary */
};

/* A slot of the table: the word's index in words (-1: empty) and the top half of its hash,
 * so that a probe past another word reads the slot alone (a slot and a word entry are each
 * a cache miss in a table of a large archive's vocabulary). */
struct slot {
    uint32_t tag;
    int32_t k;
};

typedef struct {
    PyObject_HEAD
    struct slot *slots;  /* size mask + 1, a power of two */
    uint64_t mask;
    struct word *words;
    Py_ssize_t n_words, words_cap;
    char *arena;
    Py_ssize_t arena_len, arena_cap;
    PyObject **terms;  /* owned */
    uint32_t *seen;  /* the generation a term's id was found in */
    int32_t *id;  /* the term's id in that generation's number dictionary */
    Py_ssize_t n_terms, terms_cap;
    PyObject *term_index;  /* dict: term -> its index in terms */
    PyObject *number;  /* the number dictionary of this generation (owned) */
    uint32_t generation;
} Words;

#define WORDS_LIMIT 4000000  /* words kept before the table starts again (memory bound) */

static uint64_t
hash_bytes(const Py_UCS1 *s, Py_ssize_t n)
{
    uint64_t h = 1469598103934665603ULL;  /* FNV-1a */
    for (Py_ssize_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static int
grow(void **buf, Py_ssize_t *cap, Py_ssize_t need, size_t item)
{
    if (need <= *cap)
        return 0;
    Py_ssize_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *grown = PyMem_Realloc(*buf, (size_t)c * item);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *buf = grown;
    *cap = c;
    return 0;
}

static void
words_clear(Words *w)
{
    for (Py_ssize_t t = 0; t < w->n_terms; t++)
        Py_DECREF(w->terms[t]);
    PyMem_Free(w->slots);
    PyMem_Free(w->words);
    PyMem_Free(w->arena);
    PyMem_Free(w->terms);
    PyMem_Free(w->seen);
    PyMem_Free(w->id);
    w->slots = NULL;
    w->words = NULL;
    w->arena = NULL;
    w->terms = NULL;
    w->seen = NULL;
    w->id = NULL;
    w->mask = 0;
    w->n_words = w->words_cap = w->arena_len = w->arena_cap = w->n_terms = w->terms_cap = 0;
    if (w->term_index != NULL)
        PyDict_Clear(w->term_index);
}

static int
words_rehash(Words *w, uint64_t size)
{
    struct slot *slots = PyMem_Malloc((size_t)size * sizeof(struct slot));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(slots, 0xff, (size_t)size * sizeof(struct slot));
    for (Py_ssize_t k = 0; k < w->n_words; k++) {
        uint64_t h = w->words[k].hash, i = h & (size - 1);
        while (slots[i].k >= 0)
            i = (i + 1) & (size - 1);
        slots[i] = (struct slot){(uint32_t)(h >> 32), (int32_t)k};
    }
    PyMem_Free(w->slots);
    w->slots = slots;
    w->mask = size - 1;
    return 0;
}

/* Whether entry k is the word s[0:n] with hash h. */
static inline int
words_is(Words *w, int64_t k, const Py_UCS1 *s, Py_ssize_t n, uint64_t h)
{
    struct word *e = &w->words[k];
    return e->hash == h && e->len == n && memcmp(w->arena + e->at, s, (size_t)n) == 0;
}

/* A word of a batch (words_ids): where it is in the text, its hash, and the entry its home
 * slot names when the slot's tag matches (-1: none), to be checked. */
#define BATCH 64
struct pending {
    Py_ssize_t at, len;
    uint64_t hash;
    int64_t guess;
};

/* The slot of the word s[0:n] with hash h: its entry's index, or -1 - (the free slot). */
static int64_t
words_find(Words *w, const Py_UCS1 *s, Py_ssize_t n, uint64_t h)
{
    uint64_t i = h & w->mask;
    uint32_t tag = (uint32_t)(h >> 32);
    for (;;) {
        struct slot slot = w->slots[i];
        if (slot.k < 0)
            return -1 - (int64_t)i;
        if (slot.tag == tag && words_is(w, slot.k, s, n, h))
            return slot.k;
        i = (i + 1) & w->mask;
    }
}

/* The index of ``term`` (a str) in w->terms, added if new; -1 with an exception on error. */
static int32_t
words_term(Words *w, PyObject *term)
{
    PyObject *known = PyDict_GetItemWithError(w->term_index, term);  /* borrowed */
    if (known != NULL)
        return (int32_t)PyLong_AsLong(known);
    if (PyErr_Occurred())
        return -1;
    Py_ssize_t t = w->n_terms;
    if (grow((void **)&w->terms, &w->terms_cap, t + 1, sizeof(PyObject *)) < 0)
        return -1;
    Py_ssize_t cap = w->terms_cap;  /* seen and id follow terms' capacity */
    uint32_t *seen = PyMem_Realloc(w->seen, (size_t)cap * sizeof(uint32_t));
    if (seen == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    w->seen = seen;
    int32_t *id = PyMem_Realloc(w->id, (size_t)cap * sizeof(int32_t));
    if (id == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    w->id = id;
    PyObject *index = PyLong_FromSsize_t(t);
    if (index == NULL)
        return -1;
    int failed = PyDict_SetItem(w->term_index, term, index);
    Py_DECREF(index);
    if (failed)
        return -1;
    Py_INCREF(term);
    w->terms[t] = term;
    w->seen[t] = 0;
    w->id[t] = 0;
    w->n_terms = t + 1;
    return (int32_t)t;
}

/* The term of the word (a str) from cache, else from term_of(word) when term_of is not
 * NULL: a new reference (Py_None: a stop word), NULL with no exception when neither has it,
 * NULL with an exception on error or when the term is neither a str nor None. */
static PyObject *
word_term(PyObject *word, PyObject *cache, PyObject *term_of)
{
    PyObject *found = PyDict_GetItemWithError(cache, word);  /* borrowed */
    if (found != NULL)
        Py_INCREF(found);
    else if (PyErr_Occurred() || term_of == NULL)
        return NULL;
    else if ((found = PyObject_CallOneArg(term_of, word)) == NULL)
        return NULL;
    if (found != Py_None && !PyUnicode_Check(found)) {
        Py_DECREF(found);
        PyErr_SetString(PyExc_TypeError, "ids: cached terms must be str or None");
        return NULL;
    }
    return found;
}

/* Add the word s[0:n] (hash h, free slot ``slot``) with its term (word_term): 1 added (*term
 * set), 0 when there is none, -1 on error. */
static int
words_add(Words *w, const Py_UCS1 *s, Py_ssize_t n, uint64_t h, int64_t slot, PyObject *cache,
          PyObject *term_of, int32_t *term)
{
    PyObject *word = PyUnicode_FromKindAndData(PyUnicode_1BYTE_KIND, s, n);
    if (word == NULL)
        return -1;
    PyObject *found = word_term(word, cache, term_of);
    Py_DECREF(word);
    if (found == NULL)
        return PyErr_Occurred() ? -1 : 0;
    if (found == Py_None)
        *term = -1;
    else if ((*term = words_term(w, found)) < 0) {
        Py_DECREF(found);
        return -1;
    }
    Py_DECREF(found);
    if (grow((void **)&w->words, &w->words_cap, w->n_words + 1, sizeof(struct word)) < 0 ||
        grow((void **)&w->arena, &w->arena_cap, w->arena_len + n, 1) < 0)
        return -1;
    memcpy(w->arena + w->arena_len, s, (size_t)n);
    w->words[w->n_words] = (struct word){h, w->arena_len, (int32_t)n, *term, 0, 0};
    w->arena_len += n;
    w->slots[slot] = (struct slot){(uint32_t)(h >> 32), (int32_t)w->n_words++};
    if ((uint64_t)w->n_words * 2 > w->mask + 1)  /* at most half full */
        return words_rehash(w, (w->mask + 1) * 2) < 0 ? -1 : 1;
    return 1;
}

/* The id of term t in the number dictionary of this generation. */
static int32_t
words_id(Words *w, int32_t t)
{
    if (w->seen[t] == w->generation)
        return w->id[t];
    int32_t id = term_id(w->number, w->terms[t]);
    if (id >= 0) {
        w->seen[t] = w->generation;
        w->id[t] = id;
    }
    return id;
}

/* The id of word k's term (not a stop word) in this generation, kept in the word's entry
 * too (read there, the entry the lookup has just brought in). */
static int32_t
word_id(Words *w, int32_t k)
{
    struct word *e = &w->words[k];
    if (e->seen == w->generation)
        return e->id;
    int32_t id = words_id(w, e->term);
    if (id >= 0) {
        e->seen = w->generation;
        e->id = id;
    }
    return id;
}

static PyObject *
words_ids(Words *w, PyObject *args)
{
    PyObject *text, *cache, *numbering, *out, *term_of = Py_None;
    if (!PyArg_ParseTuple(args, "UO!O!O!|O", &text, &PyDict_Type, &cache, &PyDict_Type,
                          &numbering, &PyByteArray_Type, &out, &term_of))
        return NULL;
    if (term_of == Py_None)
        term_of = NULL;
    else if (!PyCallable_Check(term_of)) {
        PyErr_SetString(PyExc_TypeError, "ids: term_of must be callable or None");
        return NULL;
    }
    if (!PyUnicode_IS_ASCII(text))
        return PyLong_FromLong(-1);
    if (w->n_words >= WORDS_LIMIT)
        words_clear(w);
    if (w->slots == NULL && words_rehash(w, 1 << 16) < 0)
        return NULL;
    if (numbering != w->number) {  /* another file: every term's id is looked up again */
        Py_INCREF(numbering);
        Py_XSETREF(w->number, numbering);
        if (++w->generation == 0) {
            memset(w->seen, 0, (size_t)w->n_terms * sizeof(uint32_t));
            for (Py_ssize_t k = 0; k < w->n_words; k++)
                w->words[k].seen = 0;
            w->generation = 1;
        }
    }
    const Py_UCS1 *s = PyUnicode_1BYTE_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0, done = -1;
    struct ids_out found = {NULL, 0, 0}, o = {NULL, 0, 0};  /* found: words (not stop words) */
    while (i < n) {  /* first every word's term, so that a miss leaves no trace */
        /* A batch of words at a time: their slots, then their entries, fetched ahead (each
         * a cache miss in a large table: waited for together, not one after the other). */
        struct pending batch[BATCH];
        int m = 0;
        while (i < n && m < BATCH) {
            if (!is_word(s[i])) {
                i++;
                continue;
            }
            Py_ssize_t j = match_end(s, n, i);
            uint64_t h = hash_bytes(s + i, j - i);
            batch[m++] = (struct pending){i, j - i, h, -1};
            __builtin_prefetch(&w->slots[h & w->mask]);
            i = j;
        }
        for (int b = 0; b < m; b++) {
            struct slot slot = w->slots[batch[b].hash & w->mask];
            if (slot.k >= 0 && slot.tag == (uint32_t)(batch[b].hash >> 32)) {
                batch[b].guess = slot.k;
                __builtin_prefetch(&w->words[slot.k]);
            }
        }
        for (int b = 0; b < m; b++) {
            const Py_UCS1 *word = s + batch[b].at;
            Py_ssize_t len = batch[b].len;
            uint64_t h = batch[b].hash;
            int64_t k = batch[b].guess;
            if (k < 0 || !words_is(w, k, word, len, h))
                k = words_find(w, word, len, h);
            int32_t term;
            if (k >= 0)
                term = w->words[k].term;
            else {
                int added = words_add(w, word, len, h, -1 - k, cache, term_of, &term);
                if (added < 0)
                    goto end;
                if (added == 0) {
                    done = -2;
                    goto end;
                }
                k = w->n_words - 1;
            }
            if (term >= 0 && push_id(&found, (int32_t)k) < 0)
                goto end;
        }
    }
    for (Py_ssize_t t = 0; t < found.n; t++) {
        int32_t id = word_id(w, found.buf[t]);
        if (id < 0 || push_id(&o, id) < 0)
            goto end;
    }
    done = flush_ids(out, &o);
end:
    PyMem_Free(found.buf);
    PyMem_Free(o.buf);
    if (done == -2)
        return PyLong_FromLong(-1);
    return done < 0 ? NULL : PyLong_FromSsize_t(done);
}

static PyObject *
words_len(Words *w, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSsize_t(w->n_words);
}

static PyObject *
words_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    if (PyTuple_GET_SIZE(args) || (kwds != NULL && PyDict_GET_SIZE(kwds))) {
        PyErr_SetString(PyExc_TypeError, "Words() takes no arguments");
        return NULL;
    }
    Words *w = (Words *)type->tp_alloc(type, 0);
    if (w == NULL)
        return NULL;
    w->term_index = PyDict_New();
    if (w->term_index == NULL) {
        Py_DECREF(w);
        return NULL;
    }
    return (PyObject *)w;
}

static void
words_dealloc(Words *w)
{
    words_clear(w);
    Py_XDECREF(w->term_index);
    Py_XDECREF(w->number);
    Py_TYPE(w)->tp_free((PyObject *)w);
}

static PyMethodDef words_methods[] = {
    {"ids", (PyCFunction)words_ids, METH_VARARGS,
     "ids(text, cache, number, out, term_of=None) -> count, or -1 (nothing done) where the "
     "text is not ASCII or, without term_of, where terms() gives None"},
    {"size", (PyCFunction)words_len, METH_NOARGS, "size() -> how many words the table holds"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject WordsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "bot.core._tokens.Words",
    .tp_basicsize = sizeof(Words),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Words() -> a build worker's word table (see the comment above it in _tokens.c)",
    .tp_new = words_new,
    .tp_dealloc = (destructor)words_dealloc,
    .tp_methods = words_methods,
};

/* tokens_in(text, wanted, pairs, shortest, longest): the white-space-separated tokens of
 * ``text`` (as str.split() cuts them) that are in the frozenset ``wanted``, in order, repeats
 * kept. Only tokens of ``shortest`` to ``longest`` characters whose first two characters are
 * ASCII and marked in ``pairs`` (bytes, 128 * 128: pairs[first * 128 + second]) are looked
 * up: every member of ``wanted`` must be such a token (the caller's promise). What
 * set(text.split()) & wanted finds, without a string for every word. */
static inline int
is_space(Py_UCS4 c)
{
    return c < 128 ? (c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f))
                   : Py_UNICODE_ISSPACE(c);
}

static PyObject *
tokens_in(PyObject *self, PyObject *args)
{
    PyObject *text, *wanted;
    Py_buffer pairs;
    Py_ssize_t shortest, longest;
    if (!PyArg_ParseTuple(args, "UO!y*nn", &text, &PyFrozenSet_Type, &wanted, &pairs,
                          &shortest, &longest))
        return NULL;
    if (pairs.len != 128 * 128 || shortest < 2) {
        PyBuffer_Release(&pairs);
        PyErr_SetString(PyExc_ValueError, "tokens_in: pairs must be 128 * 128 bytes, "
                        "shortest at least 2");
        return NULL;
    }
    const unsigned char *pair = pairs.buf;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0;
    PyObject *out = PyList_New(0);
    if (out == NULL)
        goto done;
    while (i < n) {
        while (i < n && is_space(PyUnicode_READ(kind, data, i)))
            i++;
        Py_ssize_t j = i;
        while (j < n && !is_space(PyUnicode_READ(kind, data, j)))
            j++;
        if (j - i < shortest || j - i > longest) {
            i = j;
            continue;
        }
        Py_UCS4 a = PyUnicode_READ(kind, data, i), b = PyUnicode_READ(kind, data, i + 1);
        if (a < 128 && b < 128 && pair[a * 128 + b]) {
            PyObject *token = PyUnicode_Substring(text, i, j);
            int has = token == NULL ? -1 : PySet_Contains(wanted, token);
            if (has == 1 && PyList_Append(out, token) < 0)
                has = -1;
            Py_XDECREF(token);
            if (has < 0) {
                Py_CLEAR(out);
                goto done;
            }
        }
        i = j;
    }
done:
    PyBuffer_Release(&pairs);
    return out;
}

/* word_count(text): how many runs of word characters (\w: alphanumeric or "_") ``text``
 * holds: len(re.findall(r"\w+", text)), without a string per word. */
static PyObject *
word_count(PyObject *self, PyObject *arg)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "word_count: text must be str");
        return NULL;
    }
    int kind = PyUnicode_KIND(arg);
    const void *data = PyUnicode_DATA(arg);
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg), count = 0;
    int inside = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        int w = c < 128 ? is_word((Py_UCS1)c) : (Py_UNICODE_ISALNUM(c) != 0);
        count += w && !inside;
        inside = w;
    }
    return PyLong_FromSsize_t(count);
}

/* blank(text): ``text`` with every alphanumeric character "x", white space kept and any
 * other character a space (the same length): what masking a quotation writes. */
static PyObject *
blank(PyObject *self, PyObject *arg)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "blank: text must be str");
        return NULL;
    }
    int kind = PyUnicode_KIND(arg);
    const void *data = PyUnicode_DATA(arg);
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    Py_UCS4 widest = 0;  /* the white space kept decides the result's kind */
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c > 127 && Py_UNICODE_ISSPACE(c) && c > widest)
            widest = c;
    }
    PyObject *out = PyUnicode_New(n, widest > 127 ? widest : 127);
    if (out == NULL)
        return NULL;
    int okind = PyUnicode_KIND(out);
    void *odata = PyUnicode_DATA(out);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        Py_UCS4 b = Py_UNICODE_ISALNUM(c) ? 'x' : Py_UNICODE_ISSPACE(c) ? c : ' ';
        PyUnicode_WRITE(okind, odata, i, b);
    }
    return out;
}

/* sentence_cuts(text, start, end, abbreviations, reach): the sentence terminators of
 * text[start:end] (a line of a paragraph) and, for each, whether it ends a sentence: the
 * scan and the rule of bot.core.answers.sentences (_terminators and _is_boundary), in one
 * pass over the text. A terminator is a run of . ! ? then closing quotes or brackets, followed
 * by white space before ``end``; its end is where the closers stop. Each decision is True,
 * False, or None where the rule needs the Python side (a lower-case next word that may be an
 * Arabic particle, an acronym such as "U.S." before the full stop, only white space up to
 * ``end``). ``abbreviations`` is the frozenset of lower-case abbreviations and ``reach`` how
 * many characters before the full stop are looked at for one (the longest, plus two). */
static inline int
is_stop(Py_UCS4 c)
{
    return c == '.' || c == '!' || c == '?';
}

static inline int
is_closer(Py_UCS4 c)
{
    return c == '"' || c == '\'' || c == 0x201D || c == 0x2019 || c == ')' || c == ']';
}

static inline int
is_opener(Py_UCS4 c)
{
    return c == '"' || c == '\'' || c == 0x201C || c == 0x2018 || c == '(' || c == '[';
}

static inline int
is_ascii_letter(Py_UCS4 c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Whether the terminator text[..b) ends a sentence: 1, 0, -1 for "ask Python", -2 error. */
static int
cut_at(int kind, const void *data, Py_ssize_t b, Py_ssize_t limit, PyObject *abbreviations,
       Py_ssize_t reach)
{
#define AT(k) PyUnicode_READ(kind, data, (k))
    Py_ssize_t i = b;
    while (i < limit && is_space(AT(i)))
        i++;
    if (i >= limit)
        return -1;  /* the Python rule looks for the next word past the line */
    Py_ssize_t o = i;
    while (o < limit && is_opener(AT(o)))
        o++;
    /* the word is at least one character: openers followed by white space give theirs up */
    Py_ssize_t w = (o >= limit || is_space(AT(o))) ? o - 1 : o;
    int opener = w > i;
    Py_UCS4 first = AT(w);
    if (Py_UNICODE_ISLOWER(first)) {
        if (opener)
            return 0;
        for (Py_ssize_t k = w; k < w + 4 && k < limit && !is_space(AT(k)); k++)
            if (AT(k) == '-')
                return -1;  /* "al-Muallem said": maybe a particle */
        return 0;
    }
    if (!(Py_UNICODE_ISUPPER(first) || Py_UNICODE_ISDIGIT(first) || opener))
        return 0;
    Py_ssize_t p = b - 1;
    while (is_closer(AT(p)))
        p--;
    if (AT(p) != '.')
        return 1;
    Py_ssize_t window = b > 30 ? b - 30 : 0;
    if (p < window)
        return 1;
    if (p - 2 >= window && AT(p - 2) == '.')
        return -1;  /* an acronym ("U.S.") */
    if (p - 1 < window || !is_ascii_letter(AT(p - 1)))
        return 1;
    Py_ssize_t from = p - reach + 1 > window ? p - reach + 1 : window;
    Py_ssize_t r = p - 1;
    while (r - 1 >= from && is_ascii_letter(AT(r - 1)))
        r--;
    if (p - r == 1 && AT(r) >= 'A' && AT(r) <= 'Z')
        return 0;  /* an initial: "John F. Kerry" */
    char word[64];
    if (p - r >= (Py_ssize_t)sizeof word)
        return 1;
    for (Py_ssize_t k = r; k < p; k++) {
        Py_UCS4 c = AT(k);
        word[k - r] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    PyObject *token = PyUnicode_FromStringAndSize(word, p - r);
    if (token == NULL)
        return -2;
    int has = PySet_Contains(abbreviations, token);
    Py_DECREF(token);
    return has < 0 ? -2 : !has;
#undef AT
}

static PyObject *
sentence_cuts(PyObject *self, PyObject *args)
{
    PyObject *text, *abbreviations;
    Py_ssize_t start, end, reach;
    if (!PyArg_ParseTuple(args, "UnnO!n", &text, &start, &end, &PyFrozenSet_Type,
                          &abbreviations, &reach))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (start < 0 || end > n || start > end || reach < 1) {
        PyErr_SetString(PyExc_ValueError, "sentence_cuts: need 0 <= start <= end <= len(text), "
                        "reach >= 1");
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *ends = PyList_New(0), *cuts = PyList_New(0);
    if (ends == NULL || cuts == NULL)
        goto fail;
    Py_ssize_t i = start;
    while (i < end) {
        if (!is_stop(PyUnicode_READ(kind, data, i))) {
            i++;
            continue;
        }
        Py_ssize_t a = i;
        while (a < end && is_stop(PyUnicode_READ(kind, data, a)))
            a++;
        Py_ssize_t b = a;
        while (b < end && is_closer(PyUnicode_READ(kind, data, b)))
            b++;
        if (b >= end || !is_space(PyUnicode_READ(kind, data, b))) {
            i = a;  /* no terminator starts inside this run either */
            continue;
        }
        int cut = cut_at(kind, data, b, end, abbreviations, reach);
        if (cut == -2)
            goto fail;
        PyObject *at = PyLong_FromSsize_t(b);
        if (at == NULL || PyList_Append(ends, at) < 0) {
            Py_XDECREF(at);
            goto fail;
        }
        Py_DECREF(at);
        if (PyList_Append(cuts, cut < 0 ? Py_None : cut ? Py_True : Py_False) < 0)
            goto fail;
        i = b;
    }
    return Py_BuildValue("(NN)", ends, cuts);
fail:
    Py_XDECREF(ends);
    Py_XDECREF(cuts);
    return NULL;
}

static PyMethodDef methods[] = {
    {"terms", terms, METH_VARARGS,
     "terms(text, cache) -> list of terms, or None (not ASCII, or a word not cached)"},
    {"number", number, METH_VARARGS,
     "number(terms, number, out) -> count: each term's id (new terms numbered next) appended "
     "to the bytearray out as int32"},
    {"tokens_in", tokens_in, METH_VARARGS,
     "tokens_in(text, wanted, pairs, shortest, longest) -> the tokens of text.split() in "
     "wanted"},
    {"blank", blank, METH_O, "blank(text) -> alphanumerics as x, white space kept, else spaces"},
    {"word_count", word_count, METH_O, "word_count(text) -> len(re.findall(r'\\w+', text))"},
    {"sentence_cuts", sentence_cuts, METH_VARARGS,
     "sentence_cuts(text, start, end, abbreviations, reach) -> (ends, cuts): the sentence "
     "terminators of text[start:end] and whether each ends a sentence (None: ask Python)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_tokens", "The tokenizer's ASCII fast path (see bot.core.tokenize).",
    -1, methods,
};

PyMODINIT_FUNC
PyInit__tokens(void)
{
    if (PyType_Ready(&WordsType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Words", (PyObject *)&WordsType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
