/* The tokenizer's fast path for ASCII text (optional: bot.core.tokenize holds the same rule
 * as a regular expression and uses it when this is not built).
 *
 * terms(text, cache): the words of ``text`` (already normalised: ASCII, lower case) as the
 * regular expression  \d+(?:[.,]\d+)+|\w+(?:'\w+)*  finds them (on ASCII, \d is [0-9] and
 * \w is [0-9A-Za-z_]), each mapped through ``cache`` (word -> term, or None for a stop
 * word, which is left out).  Returns None when ``text`` is not ASCII or a word is not in
 * the cache yet: the caller then takes the regular-expression path, which fills the cache.
 *
 * number(terms, number, out) and ids(text, cache, number, out): a build worker's side of
 * bot.core.fileterms.TermCollector, each term turned into its id local to the file (the
 * order the file first uses it) and appended to a bytearray of int32; ids() does it from the
 * text in one pass, without making the list of terms.
 *
 * tokens_in(): which of a set of words a text holds as white-space-separated tokens (the
 * speech verbs quotation extraction looks for, bot.core.answers.cues.find_cues).
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

/* ids(text, cache, number, out): what number(terms(text, cache), number, out) does, in one
 * pass and without the list of terms; -1 (and nothing appended, nothing numbered) where
 * terms() would return None. */
static PyObject *
ids(PyObject *self, PyObject *args)
{
    PyObject *text, *cache, *numbering, *out;
    if (!PyArg_ParseTuple(args, "UO!O!O!", &text, &PyDict_Type, &cache, &PyDict_Type,
                          &numbering, &PyByteArray_Type, &out))
        return NULL;
    if (!PyUnicode_IS_ASCII(text))
        return PyLong_FromLong(-1);
    const Py_UCS1 *s = PyUnicode_1BYTE_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0, nt = 0, cap = 0, done = -1;
    PyObject **found = NULL;  /* the terms, borrowed from cache (None: a stop word) */
    struct ids_out o = {NULL, 0, 0};
    int missing = 0;
    while (i < n) {  /* first every word's term, so that a miss leaves no trace */
        if (!is_word(s[i])) {
            i++;
            continue;
        }
        Py_ssize_t j = match_end(s, n, i);
        PyObject *word = PyUnicode_FromKindAndData(PyUnicode_1BYTE_KIND, s + i, j - i);
        if (word == NULL)
            goto end;
        PyObject *term = PyDict_GetItemWithError(cache, word);  /* borrowed */
        Py_DECREF(word);
        if (term == NULL) {
            if (PyErr_Occurred())
                goto end;
            missing = 1;
            break;
        }
        if (term != Py_None) {
            if (nt == cap) {
                cap = cap ? 2 * cap : 64;
                PyObject **grown = PyMem_Realloc(found, (size_t)cap * sizeof(PyObject *));
                if (grown == NULL) {
                    PyErr_NoMemory();
                    goto end;
                }
                found = grown;
            }
            found[nt++] = term;
        }
        i = j;
    }
    if (missing) {
        done = -2;
        goto end;
    }
    for (Py_ssize_t t = 0; t < nt; t++) {
        if (!PyUnicode_Check(found[t])) {
            PyErr_SetString(PyExc_TypeError, "ids: cached terms must be str or None");
            goto end;
        }
        int32_t id = term_id(numbering, found[t]);
        if (id < 0 || push_id(&o, id) < 0)
            goto end;
    }
    done = flush_ids(out, &o);
end:
    PyMem_Free(found);
    PyMem_Free(o.buf);
    if (done == -2)
        return PyLong_FromLong(-1);
    return done < 0 ? NULL : PyLong_FromSsize_t(done);
}

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

static PyMethodDef methods[] = {
    {"terms", terms, METH_VARARGS,
     "terms(text, cache) -> list of terms, or None (not ASCII, or a word not cached)"},
    {"number", number, METH_VARARGS,
     "number(terms, number, out) -> count: each term's id (new terms numbered next) appended "
     "to the bytearray out as int32"},
    {"ids", ids, METH_VARARGS,
     "ids(text, cache, number, out) -> count, or -1 where terms() gives None (nothing done)"},
    {"tokens_in", tokens_in, METH_VARARGS,
     "tokens_in(text, wanted, pairs, shortest, longest) -> the tokens of text.split() in "
     "wanted"},
    {"blank", blank, METH_O, "blank(text) -> alphanumerics as x, white space kept, else spaces"},
    {"word_count", word_count, METH_O, "word_count(text) -> len(re.findall(r'\\w+', text))"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_tokens", "The tokenizer's ASCII fast path (see bot.core.tokenize).",
    -1, methods,
};

PyMODINIT_FUNC
PyInit__tokens(void)
{
    return PyModule_Create(&module);
}
