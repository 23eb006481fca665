/* scn_value.c -- one scenario value: exact decimals, integers, dates, words,
 * and the sweeps ${a, b} / ${a..b step s} that expand into lists of them.
 *
 * Invariant: a parsed scn_value's `text` is canonical, so two values are equal
 * exactly when their texts are, and re-parsing `text` gives the same value.
 * Numbers never go through a float: "0.1" is 10^17 units, and a range is
 * stepped by adding units, so ${0.1..0.5 step 0.1} lands exactly on 0.5.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "scn_int.h"

__extension__ typedef unsigned __int128 scn_u128;

#define TEN18 ((scn_i128)1000000000000000000LL)
#define I128_MAX ((scn_i128)(((scn_u128)1 << 127) - 1))

void scn_loc_errf(io_err *err, scn_loc loc, const char *fmt, ...)
{
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (loc.set)
        io_errf(err, "--set:%u: %s", loc.set, msg);
    else
        io_errf(err, "%s:%u: %s", loc.path, loc.line, msg);
}

/* snprintf that appends to a buffer (never overflows, truncates silently). */
__attribute__((format(printf, 3, 4))) static void append(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len + 1 >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
}

bool scn_is_ident(const char *s, bool allow_dash)
{
    if (!*s || strlen(s) >= SCN_IDENT_MAX) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && !(allow_dash && *s == '-')) return false;
    return true;
}

void scn_sec_label(char *buf, size_t cap, const char *kind, const char *name)
{
    snprintf(buf, cap, name && *name ? "[%s %s]" : "[%s]", kind, name ? name : "");
}

/* ---- did you mean ---------------------------------------------------------- */

unsigned scn_distance(const char *a, const char *b)
{
    enum { N = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= N || lb >= N) return N;
    unsigned row[N + 1];
    for (size_t j = 0; j <= lb; j++) row[j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++) {
        unsigned diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= lb; j++) {
            unsigned up = row[j];
            unsigned best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* The closest name (the first one on ties, so the schema order decides). */
static size_t closest(const char *word, const char *const *names, size_t n, unsigned *dist)
{
    size_t best = 0;
    *dist = ~0u;
    for (size_t i = 0; i < n; i++) {
        unsigned d = scn_distance(word, names[i]);
        if (d < *dist) *dist = d, best = i;
    }
    return best;
}

static void list_names(char *why, size_t cap, const char *const *names, size_t n)
{
    enum { SHOWN = 12 };
    for (size_t i = 0; i < n && i < SHOWN; i++) append(why, cap, "%s%s", i ? ", " : "", names[i]);
    if (n > SHOWN) append(why, cap, ", ...");
}

/* Append "; did you mean 'X'?" when the closest name is within distance 2. */
static bool suggest_close(char *why, size_t cap, const char *word, const char *const *names, size_t n)
{
    unsigned d;
    size_t i = closest(word, names, n, &d);
    if (n == 0 || d > 2) return false;
    append(why, cap, "; did you mean '%s'?", names[i]);
    return true;
}

void scn_suggest(char *why, size_t cap, const char *word, const char *const *names, size_t n)
{
    if (suggest_close(why, cap, word, names, n)) return;
    append(why, cap, "; expected one of: ");
    list_names(why, cap, names, n);
}

/* ---- exact decimals -------------------------------------------------------- */

static bool is_digits(const char *s, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return false;
    return true;
}

/* Split "[+-]D+[.D+][(e|E)[+-]D+]" into its parts; false when malformed. */
typedef struct dec_parts {
    bool neg;
    const char *ip, *fp; /* integer and fraction digits */
    size_t nip, nfp;
    long exp10;
} dec_parts;

static bool dec_split(const char *t, dec_parts *d)
{
    memset(d, 0, sizeof *d);
    if (*t == '+' || *t == '-') d->neg = (*t++ == '-');
    d->ip = t;
    while (isdigit((unsigned char)*t)) t++;
    d->nip = (size_t)(t - d->ip);
    if (d->nip == 0) return false;
    if (*t == '.') {
        d->fp = ++t;
        while (isdigit((unsigned char)*t)) t++;
        d->nfp = (size_t)(t - d->fp);
        if (d->nfp == 0) return false;
    }
    if (*t == 'e' || *t == 'E') {
        t++;
        bool eneg = false;
        if (*t == '+' || *t == '-') eneg = (*t++ == '-');
        const char *e = t;
        while (isdigit((unsigned char)*t)) t++;
        /* 4 digits are plenty: anything past 1e39 overflows anyway. */
        if (t == e || t - e > 4) return false;
        d->exp10 = strtol(e, NULL, 10) * (eneg ? -1 : 1);
    }
    return *t == '\0';
}

/* Significant digits of d into buf (leading zeros dropped; trailing zeros
 * dropped and folded into *exp10). Returns their count (0 = the value 0).
 * buf holds every digit a line can carry, so the count is always exact. */
static size_t dec_digits(const dec_parts *d, char buf[static SCN_LINE_MAX + 1], long *exp10)
{
    size_t n = 0, zeros = 0; /* zeros seen since the last non-zero digit */
    *exp10 = d->exp10 - (long)d->nfp;
    for (size_t i = 0; i < d->nip + d->nfp && i < SCN_LINE_MAX; i++) {
        char c = i < d->nip ? d->ip[i] : d->fp[i - d->nip];
        if (c == '0') {
            zeros += n > 0;
            continue;
        }
        while (zeros) buf[n++] = '0', zeros--;
        buf[n++] = c;
    }
    *exp10 += (long)zeros;
    return n;
}

int scn_num_parse(const char *text, scn_num *out, char *why, size_t cap)
{
    dec_parts d;
    if (!dec_split(text, &d)) {
        snprintf(why, cap, "expected number (a decimal such as 0.25, -3 or 1e9), got '%s'", text);
        return -1;
    }
    if (d.nip + d.nfp > SCN_LINE_MAX) {
        snprintf(why, cap, "'%.40s...' has more than %d digits", text, SCN_LINE_MAX);
        return -1;
    }
    char digits[SCN_LINE_MAX + 1];
    long exp10;
    size_t n = dec_digits(&d, digits, &exp10);
    long scale = exp10 + SCN_NUM_DECIMALS;
    if (n > 0 && scale < 0) {
        snprintf(why, cap, "'%s' has more than %d decimal places", text, SCN_NUM_DECIMALS);
        return -1;
    }
    scn_i128 u = 0;
    bool over = n > 0 && (long)n + scale > 39;
    for (size_t i = 0; i < n && !over; i++) {
        int dig = digits[i] - '0';
        over = u > (I128_MAX - dig) / 10;
        if (!over) u = u * 10 + dig;
    }
    for (long i = 0; n > 0 && i < scale && !over; i++) {
        over = u > I128_MAX / 10;
        if (!over) u *= 10;
    }
    if (over) {
        snprintf(why, cap, "'%s' is too large: numbers must lie between -1.7e20 and 1.7e20", text);
        return -1;
    }
    out->units = d.neg ? -u : u;
    return 0;
}

static void u128_dec(scn_u128 v, char *buf, size_t cap)
{
    char tmp[48];
    size_t n = 0;
    do tmp[n++] = (char)('0' + (int)(v % 10)), v /= 10;
    while (v);
    size_t i = 0;
    for (; i < n && i + 1 < cap; i++) buf[i] = tmp[n - 1 - i];
    buf[i] = '\0';
}

void scn_num_format(scn_num n, char *buf, size_t cap)
{
    scn_u128 mag = n.units < 0 ? (scn_u128)0 - (scn_u128)n.units : (scn_u128)n.units;
    char ip[48], fp[24];
    u128_dec(mag / (scn_u128)TEN18, ip, sizeof ip);
    uint64_t frac = (uint64_t)(mag % (scn_u128)TEN18);
    snprintf(fp, sizeof fp, "%018llu", (unsigned long long)frac);
    size_t nf = SCN_NUM_DECIMALS;
    while (nf > 0 && fp[nf - 1] == '0') nf--;
    fp[nf] = '\0';
    snprintf(buf, cap, "%s%s%s%s", n.units < 0 ? "-" : "", ip, nf ? "." : "", fp);
}

double scn_num_to_double(scn_num n)
{
    return (double)(n.units / TEN18) + (double)(n.units % TEN18) / 1e18;
}

/* ---- integers, booleans, dates, words -------------------------------------- */

char *scn_trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

bool scn_parse_u64(const char *t, uint64_t *out)
{
    if (!is_digits(t, strlen(t))) return false;
    uint64_t v = 0;
    for (; *t; t++) {
        unsigned dig = (unsigned)(*t - '0');
        if (v > (UINT64_MAX - dig) / 10) return false;
        v = v * 10 + dig;
    }
    *out = v;
    return true;
}

static int parse_int(const char *t, int64_t *out)
{
    bool neg = *t == '-';
    uint64_t mag;
    if (!scn_parse_u64(t + (*t == '-' || *t == '+'), &mag)) return -1;
    if (mag > (uint64_t)INT64_MAX + neg) return -1;
    *out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return 0;
}

static const char *const bool_true[] = {"true", "yes", "1"};
static const char *const bool_false[] = {"false", "no", "0"};

static int parse_bool(const char *t, bool *out)
{
    for (size_t i = 0; i < 3; i++) {
        if (!strcmp(t, bool_true[i])) return *out = true, 0;
        if (!strcmp(t, bool_false[i])) return *out = false, 0;
    }
    return -1;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

static bool looks_like_date(const char *t)
{
    return strlen(t) == 10 && t[4] == '-' && t[7] == '-' && is_digits(t, 4) && is_digits(t + 5, 2) &&
           is_digits(t + 8, 2);
}

/* 0, -1 (not YYYY-MM-DD: caller says what was expected) or -2 (why set). */
static int parse_date(const char *t, scn_date *out, char *why, size_t cap)
{
    if (!looks_like_date(t)) return -1;
    int y = atoi(t), m = atoi(t + 5), d = atoi(t + 8);
    if (y < 1 || m < 1 || m > 12) {
        snprintf(why, cap, "'%s' is not a date: the year must be 0001..9999 and the month 01..12", t);
        return -2;
    }
    if (d < 1 || d > month_days(y, m)) {
        snprintf(why, cap, "'%s' is not a date: %04d-%02d has %d days", t, y, m, month_days(y, m));
        return -2;
    }
    out->year = y;
    out->month = (uint8_t)m;
    out->day = (uint8_t)d;
    out->days = days_from_civil(y, m, d);
    return 0;
}

static size_t count_words(const char *const *w)
{
    size_t n = 0;
    while (w && w[n]) n++;
    return n;
}

/* ---- one value of a key ---------------------------------------------------- */

const char *scn_type_name(scn_type t)
{
    static const char *const names[] = {"int", "u64", "number", "bool", "string",
                                        "enum", "date", "distribution", "block-or-date"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

static const char *type_example(scn_type t)
{
    static const char *const ex[] = {
        "an integer such as -3 or 360",
        "a non-negative integer such as 0 or 7200",
        "a decimal such as 0.25, -3 or 1e9",
        "true or false; also yes/no, 1/0",
        "text",
        "",
        "a date YYYY-MM-DD such as 2025-02-13",
        "a distribution such as beta(2, 5), normal(0, 1) or a plain number",
        "a block number such as 7200 or a date YYYY-MM-DD"};
    return (unsigned)t < sizeof ex / sizeof ex[0] ? ex[t] : "";
}

static int expected(const scn_key *k, const char *text, char *why, size_t cap)
{
    if (k->type != SCN_ENUM) {
        snprintf(why, cap, "expected %s (%s), got '%s'", scn_type_name(k->type), type_example(k->type), text);
        return -1;
    }
    size_t n = count_words(k->words);
    snprintf(why, cap, "expected enum (one of: ");
    list_names(why, cap, k->words, n);
    append(why, cap, "), got '%s'", text);
    suggest_close(why, cap, text, k->words, n);
    return -1;
}

static int parse_when(const scn_key *k, const char *t, scn_value *v, char *why, size_t cap)
{
    v->when.is_date = looks_like_date(t);
    int rc = v->when.is_date ? parse_date(t, &v->when.date, why, cap) : !scn_parse_u64(t, &v->when.block);
    if (rc == -2) return -1;
    if (rc) return expected(k, t, why, cap);
    if (v->when.is_date)
        snprintf(v->text, sizeof v->text, "%s", t);
    else
        snprintf(v->text, sizeof v->text, "%llu", (unsigned long long)v->when.block);
    return 0;
}

static int parse_text(const char *t, scn_value *v, char *why, size_t cap)
{
    for (const char *p = t; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            snprintf(why, cap, "text contains a control character (byte 0x%02x)", (unsigned char)*p);
            return -1;
        }
    if (strlen(t) >= sizeof v->text) {
        snprintf(why, cap, "text is longer than %d characters", SCN_TEXT_MAX - 1);
        return -1;
    }
    snprintf(v->text, sizeof v->text, "%s", t);
    return 0;
}

/* The value, without the bound check; text is canonical afterwards. */
static int parse_typed(const scn_key *k, const char *t, scn_value *v, char *why, size_t cap)
{
    int rc;
    switch (k->type) {
    case SCN_INT:
        if (parse_int(t, &v->i)) return expected(k, t, why, cap);
        snprintf(v->text, sizeof v->text, "%lld", (long long)v->i);
        return 0;
    case SCN_U64:
        if (!scn_parse_u64(t, &v->u)) return expected(k, t, why, cap);
        snprintf(v->text, sizeof v->text, "%llu", (unsigned long long)v->u);
        return 0;
    case SCN_NUMBER:
        if (scn_num_parse(t, &v->num, why, cap)) return -1;
        scn_num_format(v->num, v->text, sizeof v->text);
        return 0;
    case SCN_BOOL:
        if (parse_bool(t, &v->b)) return expected(k, t, why, cap);
        snprintf(v->text, sizeof v->text, "%s", v->b ? "true" : "false");
        return 0;
    case SCN_ENUM:
        for (uint32_t i = 0; k->words && k->words[i]; i++)
            if (!strcmp(t, k->words[i])) {
                v->word = i;
                snprintf(v->text, sizeof v->text, "%s", t);
                return 0;
            }
        return expected(k, t, why, cap);
    case SCN_DATE:
        rc = parse_date(t, &v->date, why, cap);
        if (rc == -1) return expected(k, t, why, cap);
        if (rc) return -1;
        snprintf(v->text, sizeof v->text, "%s", t);
        return 0;
    case SCN_DIST:
        if (scn_dist_parse_why(t, &v->dist, why, cap)) return -1;
        scn_dist_format(&v->dist, v->text, sizeof v->text);
        return 0;
    case SCN_BLOCK_OR_DATE:
        return parse_when(k, t, v, why, cap);
    case SCN_STRING:
        return parse_text(t, v, why, cap);
    }
    snprintf(why, cap, "unknown type %d", (int)k->type);
    return -1;
}

/* <0, 0, >0 for two values of the same bounded type. */
static int cmp_values(const scn_value *a, const scn_value *b)
{
    switch (a->type) {
    case SCN_INT: return (a->i > b->i) - (a->i < b->i);
    case SCN_U64: return (a->u > b->u) - (a->u < b->u);
    case SCN_NUMBER: return (a->num.units > b->num.units) - (a->num.units < b->num.units);
    case SCN_DATE: return (a->date.days > b->date.days) - (a->date.days < b->date.days);
    default: return 0;
    }
}

static int check_bounds(const scn_key *k, const scn_value *v, char *why, size_t cap)
{
    scn_value lo = {.type = k->type}, hi = {.type = k->type};
    char scratch[SCN_WHY_MAX];
    /* scn_schema_check has verified that the bounds parse. */
    bool has_lo = k->min && !parse_typed(k, k->min, &lo, scratch, sizeof scratch);
    bool has_hi = k->max && !parse_typed(k, k->max, &hi, scratch, sizeof scratch);
    if ((!has_lo || cmp_values(v, &lo) >= 0) && (!has_hi || cmp_values(v, &hi) <= 0)) return 0;
    const char *unit = k->unit ? k->unit : "";
    const char *sp = k->unit ? " " : "";
    if (has_lo && has_hi)
        snprintf(why, cap, "%s is out of range: expected %s..%s%s%s", v->text, lo.text, hi.text, sp, unit);
    else if (has_lo)
        snprintf(why, cap, "%s is out of range: expected at least %s%s%s", v->text, lo.text, sp, unit);
    else
        snprintf(why, cap, "%s is out of range: expected at most %s%s%s", v->text, hi.text, sp, unit);
    return -1;
}

int scn_parse_one(const scn_key *k, const char *text, scn_value *out, char *why, size_t cap)
{
    memset(out, 0, sizeof *out);
    out->type = k->type;
    if (parse_typed(k, text, out, why, cap)) return -1;
    return check_bounds(k, out, why, cap);
}

scn_status scn_value_parse(const scn_key *k, const char *text, scn_value *out, io_err *err)
{
    char why[SCN_WHY_MAX];
    if (scn_parse_one(k, text, out, why, sizeof why) == 0) return SCN_OK;
    io_errf(err, "%s: %s", k->name, why);
    return SCN_EINPUT;
}

/* ---- sweeps ----------------------------------------------------------------- */

static bool is_numeric(scn_type t)
{
    return t == SCN_INT || t == SCN_U64 || t == SCN_NUMBER;
}

/* Position of ".." outside parentheses, or NULL. */
static char *find_dotdot(char *s)
{
    int depth = 0;
    for (char *p = s; *p; p++) {
        depth += (*p == '(') - (*p == ')');
        if (depth == 0 && p[0] == '.' && p[1] == '.') return p;
    }
    return NULL;
}

static int check_count(scn_u128 count, uint64_t runs_so_far, char *why, size_t cap)
{
    char n[48];
    u128_dec(count, n, sizeof n);
    if (count > SCN_MAX_SWEEP_VALUES) {
        snprintf(why, cap, "the sweep has %s values; at most %d (SCN_MAX_SWEEP_VALUES)", n, SCN_MAX_SWEEP_VALUES);
        return -1;
    }
    if (runs_so_far * count > SCN_MAX_RUNS) {
        snprintf(why, cap, "too many runs: with this sweep (%s values) the scenario has %llu points; "
                 "at most %d runs (SCN_MAX_RUNS)",
                 n, (unsigned long long)(runs_so_far * (uint64_t)count), SCN_MAX_RUNS);
        return -1;
    }
    return 0;
}

/* Range bounds and step in exact units; integers for INT/U64 keys. */
static int range_num(const scn_key *k, const char *t, bool is_step, scn_num *out, char *why, size_t cap)
{
    if (k->type == SCN_NUMBER) return scn_num_parse(t, out, why, cap);
    int64_t i;
    if (k->type == SCN_U64 && !is_step) {
        uint64_t u;
        if (!scn_parse_u64(t, &u)) return expected(k, t, why, cap);
        out->units = (scn_i128)u * TEN18;
        return 0;
    }
    if (parse_int(t, &i)) {
        snprintf(why, cap, "expected an integer %s, got '%s'", is_step ? "step" : "bound", t);
        return -1;
    }
    out->units = (scn_i128)i * TEN18;
    return 0;
}

static int parse_range(const scn_key *k, char *inner, char *dots, uint64_t runs_so_far, scn_value **vals,
                       uint32_t *n, char *why, size_t cap)
{
    *dots = '\0';
    char *a = scn_trim(inner), *rest = dots + 2;
    char *words[4];
    int nw = 0;
    char *save = NULL;
    for (char *tok = strtok_r(rest, " \t", &save); tok && nw < 4; tok = strtok_r(NULL, " \t", &save))
        words[nw++] = tok;
    if (nw == 1) {
        snprintf(why, cap, "a range needs a step: ${%s..%s step S}", a, words[0]);
        return -1;
    }
    if (nw != 3 || strcmp(words[1], "step") || !*a) {
        snprintf(why, cap, "malformed range; expected ${A..B step S}");
        return -1;
    }
    scn_num lo, hi, step;
    if (range_num(k, a, false, &lo, why, cap) || range_num(k, words[0], false, &hi, why, cap) ||
        range_num(k, words[2], true, &step, why, cap))
        return -1;
    if (step.units == 0) {
        snprintf(why, cap, "the step of a range must not be 0");
        return -1;
    }
    /* In unsigned 128-bit arithmetic: hi - lo can exceed the signed range. */
    bool up = hi.units >= lo.units;
    scn_u128 span = up ? (scn_u128)hi.units - (scn_u128)lo.units : (scn_u128)lo.units - (scn_u128)hi.units;
    if (span != 0 && up != (step.units > 0)) {
        snprintf(why, cap, "step %s goes away from the end %s: use a %s step", words[2], words[0],
                 up ? "positive" : "negative");
        return -1;
    }
    scn_u128 stride = step.units > 0 ? (scn_u128)step.units : (scn_u128)0 - (scn_u128)step.units;
    scn_u128 count = span / stride + 1;
    if (check_count(count, runs_so_far, why, cap)) return -1;
    uint64_t c = (uint64_t)count;
    if (!(*vals = calloc(c, sizeof **vals))) return -2;
    for (uint64_t i = 0; i < c; i++) {
        char text[SCN_TEXT_MAX], item[SCN_WHY_MAX];
        /* integral units format as plain integers, so INT/U64 keys parse them */
        /* lo + i*step lies between lo and hi; the unsigned sum avoids a signed
         * overflow in i*step on the way (the wrap-around cancels exactly) */
        scn_num v = {(scn_i128)((scn_u128)lo.units + (scn_u128)i * (scn_u128)step.units)};
        scn_num_format(v, text, sizeof text);
        if (scn_parse_one(k, text, &(*vals)[i], item, sizeof item)) {
            snprintf(why, cap, "value %llu of the range: %s", (unsigned long long)i + 1, item);
            return -1;
        }
    }
    *n = (uint32_t)c;
    return 0;
}

/* Split at commas outside parentheses; returns the item count. */
static uint32_t split_list(char *s, char **items, uint32_t max)
{
    uint32_t n = 0;
    int depth = 0;
    items[n++] = s;
    for (char *p = s; *p; p++) {
        depth += (*p == '(') - (*p == ')');
        if (*p == ',' && depth == 0) {
            *p = '\0';
            if (n == max) return max + 1;
            items[n++] = p + 1;
        }
    }
    return n;
}

static int parse_list(const scn_key *k, char *inner, uint64_t runs_so_far, scn_value **vals, uint32_t *n,
                      char *why, size_t cap)
{
    enum { MAX_ITEMS = SCN_LINE_MAX / 2 + 1 }; /* "a,b,..." on one line */
    char *items[MAX_ITEMS];
    uint32_t c = split_list(inner, items, MAX_ITEMS);
    if (c > MAX_ITEMS) { /* cannot happen within SCN_LINE_MAX; keeps items[] in bounds */
        snprintf(why, cap, "the sweep list has more than %d values", MAX_ITEMS);
        return -1;
    }
    if (check_count(c, runs_so_far, why, cap)) return -1;
    if (!(*vals = calloc(c, sizeof **vals))) return -2;
    for (uint32_t i = 0; i < c; i++) {
        char *t = scn_trim(items[i]), item[SCN_WHY_MAX];
        if (!*t) {
            snprintf(why, cap, "value %u of the sweep list is empty", i + 1);
            return -1;
        }
        if (scn_parse_one(k, t, &(*vals)[i], item, sizeof item)) {
            snprintf(why, cap, "value %u of the sweep list: %s", i + 1, item);
            return -1;
        }
        for (uint32_t j = 0; j < i; j++)
            if (!strcmp((*vals)[j].text, (*vals)[i].text)) {
                snprintf(why, cap, "value %s appears twice in the sweep list (values %u and %u)",
                         (*vals)[i].text, j + 1, i + 1);
                return -1;
            }
    }
    *n = c;
    return 0;
}

static int parse_sweep(const scn_key *k, const char *text, uint64_t runs_so_far, scn_value **vals,
                       uint32_t *n, char *why, size_t cap)
{
    size_t len = strlen(text);
    if (len < 3 || text[len - 1] != '}') {
        snprintf(why, cap, "the sweep '%s' has no closing '}'", text);
        return -1;
    }
    char buf[SCN_LINE_MAX + 2];
    snprintf(buf, sizeof buf, "%.*s", (int)(len - 3), text + 2);
    if (strstr(buf, "${") || strchr(buf, '}')) {
        snprintf(why, cap, "sweeps cannot nest, and '}' may only close the sweep");
        return -1;
    }
    char *inner = scn_trim(buf);
    if (!*inner) {
        snprintf(why, cap, "empty sweep ${}: list at least one value, as in ${a, b}");
        return -1;
    }
    char *dots = is_numeric(k->type) ? find_dotdot(inner) : NULL;
    if (dots) return parse_range(k, inner, dots, runs_so_far, vals, n, why, cap);
    return parse_list(k, inner, runs_so_far, vals, n, why, cap);
}

int scn_parse_written(const scn_key *k, const char *text, uint64_t runs_so_far, scn_value **vals,
                      uint32_t *n, bool *swept, char *why, size_t cap)
{
    *vals = NULL;
    *n = 0;
    const char *open = strstr(text, "${");
    *swept = open != NULL;
    if (open && open != text) {
        snprintf(why, cap, "'${' may only start a sweep such as ${a, b} or ${a..b step s}, got '%s'", text);
        return -1;
    }
    if (open) return parse_sweep(k, text, runs_so_far, vals, n, why, cap);
    if (!(*vals = calloc(1, sizeof **vals))) return -2;
    if (scn_parse_one(k, text, *vals, why, cap)) return -1;
    *n = 1;
    return 0;
}
