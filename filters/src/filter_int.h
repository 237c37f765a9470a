/*
 * filter_int.h - compiled rules and table plans, shared by filter.c
 * (rules), plan.c (plans, row evaluation) and fstream.c.
 */
#ifndef VR_FILTER_INT_H
#define VR_FILTER_INT_H

#include <regex.h>

#include "vr_filter.h"
#include "vr_keyrange.h"
#include "vr_sqlparser.h"
#include "vr_vindex.h"

typedef enum { RULE_ALL, RULE_KEYRANGE, RULE_SELECT } rule_kind_t;

typedef enum { PROJ_STAR, PROJ_COLUMN, PROJ_KSID } proj_kind_t;

typedef struct rule_proj {
    proj_kind_t kind;
    const char *column; /* PROJ_COLUMN */
    const char *alias;  /* NULL: the column's name / "keyspace_id" */
} rule_proj_t;

typedef enum { COND_CMP, COND_KEYRANGE } cond_kind_t;

typedef struct rule_cond {
    cond_kind_t kind;
    const char *column;     /* CMP; KEYRANGE: NULL means the primary vindex column */
    vr_sql_op_t op;         /* CMP: EQ NE LT LE GT GE */
    vr_sql_lit_type_t lit_type;
    const char *lit;        /* CMP: literal text (decoded string / number) */
    size_t lit_len;
    bool has_vindex;        /* KEYRANGE with an explicit vindex type */
    vr_vindex_type_t vindex;
    vr_keyrange_t kr;
} rule_cond_t;

typedef struct rule {
    const char *match;
    bool is_regex;
    regex_t re;
    rule_kind_t kind;
    const char *filter;     /* as given */
    vr_keyrange_t kr;       /* RULE_KEYRANGE */
    rule_proj_t *proj;      /* RULE_SELECT */
    size_t nproj;
    rule_cond_t *conds;
    size_t nconds;
} rule_t;

/* One compiled projection/condition of a plan, with field indexes. */
typedef struct plan_cond {
    cond_kind_t kind;
    uint32_t col;
    vr_sql_op_t op;
    vr_sql_lit_type_t lit_type;
    const char *lit;
    size_t lit_len;
    vr_vindex_type_t vindex;
    vr_keyrange_t kr;
} plan_cond_t;

struct vr_filter_plan {
    char *db;
    char *name;
    uint32_t src_version;
    const rule_t *rule;
    vr_arena_t *arena;       /* everything of the plan */
    vr_vtable_t table;       /* projected */
    int32_t *src;            /* per output field: source index, -1 = keyspace_id() */
    plan_cond_t *conds;
    size_t nconds;
    bool need_ksid;          /* keyspace_id() projected */
    uint32_t ksid_col;       /* primary vindex column */
    vr_vindex_type_t ksid_vindex;
    vr_buf_t scratch;        /* text of a value for vindexes/comparisons */
    bool announced;          /* fstream: FIELD of this plan sent */
    struct vr_filter_plan *next;
};

struct vr_filter {
    rule_t *rules;
    size_t nrules;
    vr_arena_t *arena;       /* rule strings and parsed selects */
    const vr_vschema_t *vschema;
    vr_filter_plan_t *plans; /* one per table seen, newest schema */
};

vr_code_t vr_filter_build_plan(vr_filter_t *f, const rule_t *r, const vr_vtable_t *t,
                               vr_filter_plan_t **out, vr_error_t *err);
void vr_filter_plan_free(vr_filter_plan_t *p);

#endif
