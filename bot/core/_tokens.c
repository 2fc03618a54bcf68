/* The tokenizer's fast path for ASCII text (optional: bot.core.tokenize holds the same rule
 * as a regular expression and uses it when this is not built).
 *
 * terms(text, cache): the words of ``text`` (already normalised: ASCII, lower case) as the
 * regular expression  \d+(?:[.,]\d+)+|\w+(?:'\w+)*  finds them (on ASCII, \d is [0-9] and
 * \w is [0-9A-Za-z_]), each mapped through ``cache`` (word -> term, or None for a stop
 * word, which is left out).  Returns None when ``text`` is not ASCII or a word is not in
 * the cache yet: the caller then takes the regular-expression path, which fills the cache.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

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

static PyMethodDef methods[] = {
    {"terms", terms, METH_VARARGS,
     "terms(text, cache) -> list of terms, or None (not ASCII, or a word not cached)"},
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
