/* Just enough JSON for the test vectors: objects, arrays, integers and
 * strings (no escapes beyond \" and \\ are interpreted), parsed into a flat
 * node array that the caller owns. */
#ifndef YL_TESTS_JSON_H
#define YL_TESTS_JSON_H

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { J_NULL, J_NUM, J_STR, J_ARR, J_OBJ, J_BOOL };

typedef struct JNode {
    int type;
    int64_t num;
    const char *str, *key;  /* point into the text; not terminated */
    int slen, klen;
    int child, next;        /* first child, next sibling: indexes or -1 */
} JNode;

typedef struct JDoc {
    JNode *n;
    int count, cap;
    const char *p;
    bool error;
} JDoc;

static int j_new(JDoc *d, int type)
{
    if (d->count == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 256;
        d->n = realloc(d->n, d->cap * sizeof(JNode));
        if (!d->n)
            abort();
    }
    JNode *x = &d->n[d->count];
    memset(x, 0, sizeof(*x));
    x->type = type;
    x->child = x->next = -1;
    return d->count++;
}

static void j_ws(JDoc *d)
{
    while (isspace((unsigned char)*d->p))
        d->p++;
}

static bool j_string(JDoc *d, const char **s, int *len)
{
    if (*d->p != '"')
        return false;
    const char *start = ++d->p;
    while (*d->p && *d->p != '"')
        d->p += (*d->p == '\\' && d->p[1]) ? 2 : 1;
    if (*d->p != '"')
        return false;
    *s = start;
    *len = (int)(d->p - start);
    d->p++;
    return true;
}

static int j_value(JDoc *d, int depth);

/* Parses the members of an array or object after its opening bracket. */
static int j_container(JDoc *d, int type, char close, int depth)
{
    int self = j_new(d, type), last = -1;
    j_ws(d);
    if (*d->p == close) {
        d->p++;
        return self;
    }
    for (;;) {
        const char *key = NULL;
        int klen = 0;
        j_ws(d);
        if (type == J_OBJ) {
            if (!j_string(d, &key, &klen))
                return d->error = true, self;
            j_ws(d);
            if (*d->p++ != ':')
                return d->error = true, self;
        }
        int v = j_value(d, depth + 1);
        if (d->error)
            return self;
        d->n[v].key = key;
        d->n[v].klen = klen;
        if (last < 0)
            d->n[self].child = v;
        else
            d->n[last].next = v;
        last = v;
        j_ws(d);
        if (*d->p == ',') {
            d->p++;
            continue;
        }
        if (*d->p++ != close)
            d->error = true;
        return self;
    }
}

static int j_value(JDoc *d, int depth)
{
    j_ws(d);
    if (depth > 32)
        return d->error = true, j_new(d, J_NULL);
    char c = *d->p;
    if (c == '{') {
        d->p++;
        return j_container(d, J_OBJ, '}', depth);
    }
    if (c == '[') {
        d->p++;
        return j_container(d, J_ARR, ']', depth);
    }
    if (c == '"') {
        int x = j_new(d, J_STR);
        if (!j_string(d, &d->n[x].str, &d->n[x].slen))
            d->error = true;
        return x;
    }
    if (c == '-' || isdigit((unsigned char)c)) {
        int x = j_new(d, J_NUM);
        char *end;
        d->n[x].num = strtoll(d->p, &end, 10);
        d->p = end;
        if (*d->p == '.' || *d->p == 'e' || *d->p == 'E')
            (void)strtod(d->p, &end), d->p = end;
        return x;
    }
    static const struct { const char *w; int type, val; } words[] = {
        { "true", J_BOOL, 1 }, { "false", J_BOOL, 0 }, { "null", J_NULL, 0 },
    };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        size_t n = strlen(words[i].w);
        if (!strncmp(d->p, words[i].w, n)) {
            int x = j_new(d, words[i].type);
            d->n[x].num = words[i].val;
            d->p += n;
            return x;
        }
    }
    d->error = true;
    return j_new(d, J_NULL);
}

/* Parses text into d (reusing its array); returns the root or -1. */
static inline int json_parse(JDoc *d, const char *text)
{
    d->count = 0;
    d->p = text;
    d->error = false;
    int root = j_value(d, 0);
    return d->error ? -1 : root;
}

/* Member of an object by key, or -1. */
static inline int json_get(const JDoc *d, int obj, const char *key)
{
    if (obj < 0 || d->n[obj].type != J_OBJ)
        return -1;
    int len = (int)strlen(key);
    for (int c = d->n[obj].child; c >= 0; c = d->n[c].next)
        if (d->n[c].klen == len && !memcmp(d->n[c].key, key, len))
            return c;
    return -1;
}

static inline int64_t json_num(const JDoc *d, int x, int64_t dflt)
{
    return x >= 0 && d->n[x].type == J_NUM ? d->n[x].num : dflt;
}

#endif
