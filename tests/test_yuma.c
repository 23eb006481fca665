/* test_yuma.c -- the v1.2.4 epoch (yuma_epoch, YUMA_V2) against the chain.
 *
 * Expected values come from ../shared/spec/epoch_vectors.md: the state of
 * each upstream test is rebuilt from its description (§1, §2, §5, §7, §9),
 * every ASSERT is checked explicitly, and every MODEL value of Appendix A is
 * checked through the appendix text, transcribed verbatim below (the tests
 * never read ../shared at run time). The tie at κ is pinned by a case worked
 * out by hand from the integer formulas of yuma-epoch.md. Beyond the vectors
 * yuma_epoch is compared, over thousands of random subnets and several
 * epochs each, with two references written from the spec: a dense epoch
 * directly on fx.h (epoch_dense of §6: n x n matrices, the I64F64 stake path,
 * the f64 quantile, fx's exp/ln, the literal weighted median) and a sparse
 * epoch sequencing the primitives of yuma_math.h (which covers what the
 * dense one cannot: α outside [0, 1], bond rows out of column order).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taosim/fx.h"
#include "taosim/yuma.h"
#include "taosim/yuma_math.h"

#define ONE I32F32_ONE_BITS
#define MAXN 48 /* largest subnet of these tests */

/* ---- epoch_vectors.md Appendix A, verbatim ------------------------------ */

/* A.1 test_1_graph, epoch 1 (block 1) */
static const char MODEL_test_1_graph_1[] =
    "StakeWeight [65535]\n"
    "Active 1\n"
    "ValidatorPermit 1\n"
    "Emission [1000000000]\n"
    "server_emission (returned) [0]\n"
    "validator_emission (returned) [1000000000]\n"
    "Rank [0]\n"
    "Trust [0]\n"
    "Consensus [0]\n"
    "Incentive [0]\n"
    "Dividends [0]\n"
    "ValidatorTrust [0]\n"
    "PruningScores [65535]\n"
    "Bonds [[]]\n"
    ;
/* A.2 test_10_graph, epoch 1 (block 1) */
static const char MODEL_test_10_graph_1[] =
    "StakeWeight [6553, 6553, 6553, 6553, 6553, 6553, 6553, 6553, 6553, 6553]\n"
    "Active 1111111111\n"
    "ValidatorPermit 1111111111\n"
    "Emission [99999999, 99999999, 99999999, 99999999, 99999999, 99999999, 99999999, 99999999, 99999999, 99999999]\n"
    "server_emission (returned) [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\n"
    "validator_emission (returned) [99999999, 99999999, 99999999, 99999999, 99999999, 99999999, 99999999, 99999999, 99999999, 99999999]\n"
    "Rank [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\n"
    "Trust [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\n"
    "Consensus [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\n"
    "Incentive [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\n"
    "Dividends [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\n"
    "ValidatorTrust [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\n"
    "PruningScores [65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535]\n"
    "Bonds [[], [], [], [], [], [], [], [], [], []]\n"
    ;
/* A.5 test_bonds, epoch 1 (block 2) */
static const char MODEL_test_bonds_1[] =
    "StakeWeight [6553, 13106, 19660, 26213, 0, 0, 0, 0]\n"
    "Active 11111111\n"
    "ValidatorPermit 11111111\n"
    "Emission [49999998, 99999999, 150000000, 200000001, 49998779, 100000610, 149996337, 200004272]\n"
    "server_emission (returned) [0, 0, 0, 0, 49998779, 100000610, 149996337, 200004272]\n"
    "validator_emission (returned) [49999998, 99999999, 150000000, 200000001, 0, 0, 0, 0]\n"
    "Rank [0, 0, 0, 0, 6553, 13107, 19660, 26214]\n"
    "Trust [0, 0, 0, 0, 65535, 65535, 65535, 65535]\n"
    "Consensus [0, 0, 0, 0, 6553, 13107, 19660, 26214]\n"
    "Incentive [0, 0, 0, 0, 6553, 13107, 19660, 26214]\n"
    "Dividends [6553, 13106, 19660, 26214, 0, 0, 0, 0]\n"
    "ValidatorTrust [65534, 65534, 65534, 65534, 0, 0, 0, 0]\n"
    "PruningScores [16383, 32767, 49150, 65534, 16383, 32767, 49149, 65535]\n"
    "Bonds [[[4, 16383], [5, 16383], [6, 16383], [7, 16383]], [[4, 32767], [5, 32767], [6, 32767], [7, 32767]], [[4, 49151], [5, 49151], [6, 49151], [7, 49151]], [[4, 65535], [5, 65535], [6, 65535], [7, 65535]], [], [], [], []]\n"
    ;
/* A.5 test_bonds, epoch 2 (block 3) */
static const char MODEL_test_bonds_2[] =
    "StakeWeight [6553, 13106, 19660, 26213, 0, 0, 0, 0]\n"
    "Active 11111111\n"
    "ValidatorPermit 11111111\n"
    "Emission [44998351, 101110561, 151667215, 202223870, 49998779, 100000610, 149996337, 200004272]\n"
    "server_emission (returned) [0, 0, 0, 0, 49998779, 100000610, 149996337, 200004272]\n"
    "validator_emission (returned) [44998351, 101110561, 151667215, 202223870, 0, 0, 0, 0]\n"
    "Rank [0, 0, 0, 0, 6553, 13107, 19660, 26214]\n"
    "Trust [0, 0, 0, 0, 65535, 65535, 65535, 65535]\n"
    "Consensus [0, 0, 0, 0, 6553, 13107, 19660, 26214]\n"
    "Incentive [0, 0, 0, 0, 6553, 13107, 19660, 26214]\n"
    "Dividends [5897, 13252, 19879, 26505, 0, 0, 0, 0]\n"
    "ValidatorTrust [0, 65534, 65534, 65534, 0, 0, 0, 0]\n"
    "PruningScores [14583, 32767, 49151, 65535, 16203, 32407, 48610, 64816]\n"
    "Bonds [[[4, 14582], [5, 14582], [6, 14582], [7, 14582]], [[4, 32767], [5, 32767], [6, 32767], [7, 32767]], [[4, 49151], [5, 49151], [6, 49151], [7, 49151]], [[4, 65535], [5, 65535], [6, 65535], [7, 65535]], [], [], [], []]\n"
    ;
/* A.5 test_bonds, epoch 3 (block 4) */
static const char MODEL_test_bonds_3[] =
    "StakeWeight [6553, 13106, 19660, 26213, 0, 0, 0, 0]\n"
    "Active 11111111\n"
    "ValidatorPermit 11111111\n"
    "Emission [40496805, 90999783, 157929636, 210573773, 49998779, 100000610, 149996337, 200004272]\n"
    "server_emission (returned) [0, 0, 0, 0, 49998779, 100000610, 149996337, 200004272]\n"
    "validator_emission (returned) [40496805, 90999783, 157929636, 210573773, 0, 0, 0, 0]\n"
    "Rank [0, 0, 0, 0, 6553, 13107, 19660, 26214]\n"
    "Trust [0, 0, 0, 0, 65535, 65535, 65535, 65535]\n"
    "Consensus [0, 0, 0, 0, 6553, 13107, 19660, 26214]\n"
    "Incentive [0, 0, 0, 0, 6553, 13107, 19660, 26214]\n"
    "Dividends [5307, 11927, 20699, 27599, 0, 0, 0, 0]\n"
    "ValidatorTrust [0, 0, 65534, 65534, 0, 0, 0, 0]\n"
    "PruningScores [12603, 28321, 49151, 65535, 15561, 31122, 46682, 62246]\n"
    "Bonds [[[4, 12603], [5, 12603], [6, 12603], [7, 12603]], [[4, 28321], [5, 28321], [6, 28321], [7, 28321]], [[4, 49151], [5, 49151], [6, 49151], [7, 49151]], [[4, 65535], [5, 65535], [6, 65535], [7, 65535]], [], [], [], []]\n"
    ;
/* A.5 test_bonds, epoch 4 (block 5) */
static const char MODEL_test_bonds_4[] =
    "StakeWeight [6553, 13106, 19660, 26213, 0, 0, 0, 0]\n"
    "Active 11111111\n"
    "ValidatorPermit 11111111\n"
    "Emission [99999999, 199999999, 299999999, 399999999, 0, 0, 0, 0]\n"
    "server_emission (returned) [0, 0, 0, 0, 0, 0, 0, 0]\n"
    "validator_emission (returned) [99999999, 199999999, 299999999, 399999999, 0, 0, 0, 0]\n"
    "Rank [0, 0, 0, 0, 0, 0, 0, 0]\n"
    "Trust [0, 0, 0, 0, 0, 0, 0, 0]\n"
    "Consensus [0, 0, 0, 0, 0, 0, 0, 0]\n"
    "Incentive [0, 0, 0, 0, 0, 0, 0, 0]\n"
    "Dividends [0, 0, 0, 0, 0, 0, 0, 0]\n"
    "ValidatorTrust [0, 0, 0, 0, 0, 0, 0, 0]\n"
    "PruningScores [16384, 32768, 49151, 65535, 0, 0, 0, 0]\n"
    "Bonds [[[4, 12602], [5, 12602], [6, 12602], [7, 12602]], [[4, 28320], [5, 28320], [6, 28320], [7, 28320]], [[4, 49150], [5, 49150], [6, 49150], [7, 49150]], [[4, 65535], [5, 65535], [6, 65535], [7, 65535]], [], [], [], []]\n"
    ;
/* A.5 test_bonds, epoch 5 (block 6) */
static const char MODEL_test_bonds_5[] =
    "StakeWeight [6553, 13106, 19660, 26213, 0, 0, 0, 0]\n"
    "Active 11111111\n"
    "ValidatorPermit 11111111\n"
    "Emission [36443733, 81898628, 163565493, 218092144, 0, 0, 0, 500000000]\n"
    "server_emission (returned) [0, 0, 0, 0, 0, 0, 0, 500000000]\n"
    "validator_emission (returned) [36443733, 81898628, 163565493, 218092144, 0, 0, 0, 0]\n"
    "Rank [0, 0, 0, 0, 0, 0, 0, 65535]\n"
    "Trust [0, 0, 0, 0, 0, 0, 0, 39891]\n"
    "Consensus [0, 0, 0, 0, 0, 0, 0, 26214]\n"
    "Incentive [0, 0, 0, 0, 0, 0, 0, 65535]\n"
    "Dividends [4776, 10734, 21438, 28585, 0, 0, 0, 0]\n"
    "ValidatorTrust [0, 0, 26214, 26214, 0, 0, 0, 0]\n"
    "PruningScores [4777, 10734, 21439, 28585, 0, 0, 0, 65535]\n"
    "Bonds [[[4, 12601], [5, 12601], [6, 12601], [7, 10951]], [[4, 28319], [5, 28319], [6, 28319], [7, 24609]], [[4, 49149], [5, 49149], [6, 49149], [7, 49150]], [[4, 65535], [5, 65535], [6, 65535], [7, 65535]], [], [], [], []]\n"
    ;
/* A.5 test_bonds, epoch 6 (block 7) */
static const char MODEL_test_bonds_6[] =
    "StakeWeight [6553, 13106, 19660, 26213, 0, 0, 0, 0]\n"
    "Active 11111111\n"
    "ValidatorPermit 11111111\n"
    "Emission [32799427, 73706612, 168638129, 224855830, 0, 0, 0, 500000000]\n"
    "server_emission (returned) [0, 0, 0, 0, 0, 0, 0, 500000000]\n"
    "validator_emission (returned) [32799427, 73706612, 168638129, 224855830, 0, 0, 0, 0]\n"
    "Rank [0, 0, 0, 0, 0, 0, 0, 65535]\n"
    "Trust [0, 0, 0, 0, 0, 0, 0, 39891]\n"
    "Consensus [0, 0, 0, 0, 0, 0, 0, 26214]\n"
    "Incentive [0, 0, 0, 0, 0, 0, 0, 65535]\n"
    "Dividends [4299, 9660, 22103, 29471, 0, 0, 0, 0]\n"
    "ValidatorTrust [0, 0, 26214, 26214, 0, 0, 0, 0]\n"
    "PruningScores [4299, 9661, 22103, 29472, 0, 0, 0, 65535]\n"
    "Bonds [[[4, 12600], [5, 12600], [6, 12600], [7, 9559]], [[4, 28318], [5, 28318], [6, 28318], [7, 21482]], [[4, 49148], [5, 49148], [6, 49148], [7, 49150]], [[4, 65535], [5, 65535], [6, 65535], [7, 65535]], [], [], [], []]\n"
    ;
/* A.5 test_bonds, epoch 7 (block 8) */
static const char MODEL_test_bonds_7[] =
    "StakeWeight [6553, 13106, 19660, 26213, 0, 0, 0, 0]\n"
    "Active 11111111\n"
    "ValidatorPermit 11111111\n"
    "Emission [29518068, 66336137, 173203134, 230942659, 0, 0, 0, 500000000]\n"
    "server_emission (returned) [0, 0, 0, 0, 0, 0, 0, 500000000]\n"
    "validator_emission (returned) [29518068, 66336137, 173203134, 230942659, 0, 0, 0, 0]\n"
    "Rank [0, 0, 0, 0, 0, 0, 0, 65535]\n"
    "Trust [0, 0, 0, 0, 0, 0, 0, 39891]\n"
    "Consensus [0, 0, 0, 0, 0, 0, 0, 26214]\n"
    "Incentive [0, 0, 0, 0, 0, 0, 0, 65535]\n"
    "Dividends [3868, 8694, 22701, 30269, 0, 0, 0, 0]\n"
    "ValidatorTrust [0, 0, 26214, 26214, 0, 0, 0, 0]\n"
    "PruningScores [3869, 8695, 22702, 30270, 0, 0, 0, 65535]\n"
    "Bonds [[[4, 12599], [5, 12599], [6, 12599], [7, 8376]], [[4, 28317], [5, 28317], [6, 28317], [7, 18824]], [[4, 49147], [5, 49147], [6, 49147], [7, 49150]], [[4, 65535], [5, 65535], [6, 65535], [7, 65535]], [], [], [], []]\n"
    ;
/* A.5 test_bonds, epoch 8 (block 9) */
static const char MODEL_test_bonds_8[] =
    "StakeWeight [6553, 13106, 19660, 26213, 0, 0, 0, 0]\n"
    "Active 11111111\n"
    "ValidatorPermit 11111111\n"
    "Emission [26565175, 59701871, 177311856, 236421095, 0, 0, 0, 500000000]\n"
    "server_emission (returned) [0, 0, 0, 0, 0, 0, 0, 500000000]\n"
    "validator_emission (returned) [26565175, 59701871, 177311856, 236421095, 0, 0, 0, 0]\n"
    "Rank [0, 0, 0, 0, 0, 0, 0, 65535]\n"
    "Trust [0, 0, 0, 0, 0, 0, 0, 39891]\n"
    "Consensus [0, 0, 0, 0, 0, 0, 0, 26214]\n"
    "Incentive [0, 0, 0, 0, 0, 0, 0, 65535]\n"
    "Dividends [3481, 7825, 23240, 30987, 0, 0, 0, 0]\n"
    "ValidatorTrust [0, 0, 26214, 26214, 0, 0, 0, 0]\n"
    "PruningScores [3482, 7825, 23240, 30988, 0, 0, 0, 65535]\n"
    "Bonds [[[4, 12598], [5, 12598], [6, 12598], [7, 7363]], [[4, 28316], [5, 28316], [6, 28316], [7, 16549]], [[4, 49146], [5, 49146], [6, 49146], [7, 49150]], [[4, 65535], [5, 65535], [6, 65535], [7, 65535]], [], [], [], []]\n"
    ;
/* A.7 test_active_stake, epoch 1 (block 1) */
static const char MODEL_test_active_stake_1[] =
    "StakeWeight [16383, 16383, 16383, 16383]\n"
    "Active 1111\n"
    "ValidatorPermit 1111\n"
    "Emission [250000000, 250000000, 250000000, 250000000]\n"
    "server_emission (returned) [0, 0, 250000000, 250000000]\n"
    "validator_emission (returned) [250000000, 250000000, 0, 0]\n"
    "Rank [0, 0, 32767, 32767]\n"
    "Trust [0, 0, 65535, 65535]\n"
    "Consensus [0, 0, 32767, 32767]\n"
    "Incentive [0, 0, 32767, 32767]\n"
    "Dividends [32767, 32767, 0, 0]\n"
    "ValidatorTrust [65535, 65535, 0, 0]\n"
    "PruningScores [65535, 65535, 65535, 65535]\n"
    "Bonds [[[2, 65535], [3, 65535]], [[2, 65535], [3, 65535]], [], []]\n"
    ;
/* A.7 test_active_stake, epoch 2 (block 5002) */
static const char MODEL_test_active_stake_2[] =
    "StakeWeight [16383, 16383, 16383, 16383]\n"
    "Active 1000\n"
    "ValidatorPermit 1111\n"
    "Emission [274999999, 224999999, 250000000, 250000000]\n"
    "server_emission (returned) [0, 0, 250000000, 250000000]\n"
    "validator_emission (returned) [274999999, 224999999, 0, 0]\n"
    "Rank [0, 0, 32767, 32767]\n"
    "Trust [0, 0, 65535, 65535]\n"
    "Consensus [0, 0, 32767, 32767]\n"
    "Incentive [0, 0, 32767, 32767]\n"
    "Dividends [36044, 29490, 0, 0]\n"
    "ValidatorTrust [65535, 65535, 0, 0]\n"
    "PruningScores [65535, 53620, 59577, 59577]\n"
    "Bonds [[[2, 65535], [3, 65535]], [[2, 53619], [3, 53619]], [], []]\n"
    ;
/* A.7 test_active_stake, epoch 3 (block 5003) */
static const char MODEL_test_active_stake_3[] =
    "StakeWeight [16383, 16383, 16383, 16383]\n"
    "Active 1100\n"
    "ValidatorPermit 1111\n"
    "Emission [272501132, 227498866, 250000000, 250000000]\n"
    "server_emission (returned) [0, 0, 250000000, 250000000]\n"
    "validator_emission (returned) [272501132, 227498866, 0, 0]\n"
    "Rank [0, 0, 32767, 32767]\n"
    "Trust [0, 0, 65535, 65535]\n"
    "Consensus [0, 0, 32767, 32767]\n"
    "Incentive [0, 0, 32767, 32767]\n"
    "Dividends [35716, 29818, 0, 0]\n"
    "ValidatorTrust [65535, 65535, 0, 0]\n"
    "PruningScores [65535, 54712, 60124, 60124]\n"
    "Bonds [[[2, 65535], [3, 65535]], [[2, 54712], [3, 54712]], [], []]\n"
    ;
/* A.9 test_zero_weights, epoch 1 (block 1) */
static const char MODEL_test_zero_weights_1[] =
    "StakeWeight [65535, 0]\n"
    "Active 11\n"
    "ValidatorPermit 11\n"
    "Emission [1000000000, 0]\n"
    "server_emission (returned) [0, 0]\n"
    "validator_emission (returned) [1000000000, 0]\n"
    "Rank [0, 0]\n"
    "Trust [0, 0]\n"
    "Consensus [0, 0]\n"
    "Incentive [0, 0]\n"
    "Dividends [0, 0]\n"
    "ValidatorTrust [0, 0]\n"
    "PruningScores [65535, 0]\n"
    "Bonds [[], []]\n"
    ;
/* A.9 test_zero_weights, epoch 2 (block 1) */
static const char MODEL_test_zero_weights_2[] =
    "StakeWeight [65535, 0]\n"
    "Active 11\n"
    "ValidatorPermit 11\n"
    "Emission [1000000000, 0]\n"
    "server_emission (returned) [0, 0]\n"
    "validator_emission (returned) [1000000000, 0]\n"
    "Rank [0, 0]\n"
    "Trust [0, 0]\n"
    "Consensus [0, 0]\n"
    "Incentive [0, 0]\n"
    "Dividends [0, 0]\n"
    "ValidatorTrust [0, 0]\n"
    "PruningScores [65535, 0]\n"
    "Bonds [[], []]\n"
    ;
/* A.9 test_zero_weights, epoch 3 (block 2) */
static const char MODEL_test_zero_weights_3[] =
    "StakeWeight [65535, 0]\n"
    "Active 11\n"
    "ValidatorPermit 11\n"
    "Emission [1000000000, 0]\n"
    "server_emission (returned) [0, 0]\n"
    "validator_emission (returned) [1000000000, 0]\n"
    "Rank [0, 0]\n"
    "Trust [0, 0]\n"
    "Consensus [0, 0]\n"
    "Incentive [0, 0]\n"
    "Dividends [0, 0]\n"
    "ValidatorTrust [0, 0]\n"
    "PruningScores [65535, 0]\n"
    "Bonds [[], []]\n"
    ;
/* A.9 test_zero_weights, epoch 4 (block 3) */
static const char MODEL_test_zero_weights_4[] =
    "StakeWeight [65535, 0]\n"
    "Active 11\n"
    "ValidatorPermit 11\n"
    "Emission [500000000, 500000000]\n"
    "server_emission (returned) [0, 500000000]\n"
    "validator_emission (returned) [500000000, 0]\n"
    "Rank [0, 65535]\n"
    "Trust [0, 65535]\n"
    "Consensus [0, 65535]\n"
    "Incentive [0, 65535]\n"
    "Dividends [65535, 0]\n"
    "ValidatorTrust [65535, 0]\n"
    "PruningScores [65535, 65535]\n"
    "Bonds [[[1, 65535]], []]\n"
    ;

/* ---- chain state carried between epoch calls ---------------------------- */

typedef struct row {
    uint32_t len;
    yuma_entry e[MAXN + 4];
} row;

typedef struct state {
    yuma_params p;
    uint32_t n;
    uint64_t block, rao;
    uint64_t stake[MAXN], lu[MAXN], bar[MAXN];
    bool permit[MAXN];
    row w[MAXN], b[MAXN];
} state;

typedef struct csr_buf {
    uint32_t off[MAXN + 1];
    yuma_entry ent[MAXN * (MAXN + 4)];
} csr_buf;

static yuma_csr to_csr(const row *rows, uint32_t n, csr_buf *buf)
{
    buf->off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        memcpy(buf->ent + buf->off[i], rows[i].e, rows[i].len * sizeof(yuma_entry));
        buf->off[i + 1] = buf->off[i] + rows[i].len;
    }
    yuma_csr c = {buf->off, buf->ent};
    return c;
}

static state new_state(uint32_t n, uint64_t block)
{
    state s;
    memset(&s, 0, sizeof s);
    s.p = yuma_params_default();
    s.p.max_allowed_validators = 64; /* init_new_network, epoch_vectors.md §0 */
    s.n = n;
    s.block = block;
    s.rao = 1000000000;
    return s;
}

static void set_row(row *r, const uint16_t *cols, const uint16_t *vals, uint32_t len)
{
    r->len = len;
    for (uint32_t k = 0; k < len; k++) r->e[k] = (yuma_entry){cols[k], vals[k]};
}

typedef struct arena_buf {
    yuma_arena a;
} arena_buf;

static yuma_arena make_arena(size_t cap)
{
    yuma_arena a = {malloc(cap ? cap : 1), cap, 0};
    assert_non_null(a.base);
    return a;
}

/* One epoch call on s, then the chain's write-back (§4.16) into s. */
static yuma_status epoch(state *s, yuma_output *o, yuma_arena *a)
{
    static csr_buf wb, bb;
    yuma_input in = {
        .n = s->n, .current_block = s->block, .rao_emission = s->rao, .stake = s->stake,
        .last_update = s->lu, .block_at_registration = s->bar, .permit_old = s->permit,
        .weights = to_csr(s->w, s->n, &wb), .bonds = to_csr(s->b, s->n, &bb), .bonds_reset = NULL,
    };
    size_t need = yuma_arena_need(s->n, wb.off[s->n], bb.off[s->n]);
    if (a->cap < need) {
        free(a->base);
        *a = make_arena(need);
    }
    memset(o, 0, sizeof *o);
    yuma_status st = yuma_epoch(&s->p, &in, o, a);
    if (st != YUMA_OK) return st;
    for (uint32_t i = 0; i < s->n; i++) {
        s->permit[i] = o->permit_new[i];
        if (o->bonds_action[i] == YUMA_BONDS_CLEAR) {
            s->b[i].len = 0;
        } else if (o->bonds_action[i] == YUMA_BONDS_SET) {
            s->b[i].len = o->bonds_off[i + 1] - o->bonds_off[i];
            memcpy(s->b[i].e, o->bonds_ent + o->bonds_off[i], s->b[i].len * sizeof(yuma_entry));
        } else {
            assert_int_equal(o->bonds_off[i + 1], o->bonds_off[i]); /* KEEP rows carry no entries */
        }
    }
    return st;
}

/* ---- the appendix text, parsed ------------------------------------------ */

/* Numbers of "[a, b, ...]" into v; returns the count. */
static size_t parse_list(const char *s, uint64_t *v, size_t cap)
{
    size_t k = 0;
    while (*s && *s != '\n') {
        if (*s >= '0' && *s <= '9') {
            char *e;
            unsigned long long x = strtoull(s, &e, 10);
            assert_true(k < cap);
            v[k++] = x;
            s = e;
        } else {
            s++;
        }
    }
    return k;
}

/* The value text of `key` in a MODEL block. */
static const char *model_value(const char *block, const char *key)
{
    size_t kl = strlen(key);
    for (const char *l = block; *l; l = strchr(l, '\n') + 1) {
        if (strncmp(l, key, kl) == 0 && l[kl] == ' ') {
            const char *v = l + kl + 1;
            if (*v == '(') v = strchr(v, ')') + 2; /* "(returned) " */
            return v;
        }
        if (!strchr(l, '\n')) break;
    }
    fail_msg("key %s missing from the MODEL block", key);
    return NULL;
}

static void check_u16(const char *block, const char *key, const uint16_t *got, uint32_t n)
{
    uint64_t v[MAXN];
    assert_int_equal(parse_list(model_value(block, key), v, MAXN), n);
    for (uint32_t i = 0; i < n; i++)
        if (got[i] != v[i]) fail_msg("%s[%u] = %u, MODEL %llu", key, i, got[i], (unsigned long long)v[i]);
}

static void check_u64(const char *block, const char *key, const uint64_t *got, uint32_t n)
{
    uint64_t v[MAXN];
    assert_int_equal(parse_list(model_value(block, key), v, MAXN), n);
    for (uint32_t i = 0; i < n; i++)
        if (got[i] != v[i])
            fail_msg("%s[%u] = %llu, MODEL %llu", key, i, (unsigned long long)got[i], (unsigned long long)v[i]);
}

static void check_bits(const char *block, const char *key, const bool *got, uint32_t n)
{
    const char *v = model_value(block, key);
    for (uint32_t i = 0; i < n; i++)
        if (got[i] != (v[i] == '1')) fail_msg("%s[%u] = %d, MODEL %c", key, i, got[i], v[i]);
    assert_true(v[n] == '\n');
}

/* "Bonds [[[4, 16383], ...], [], ...]": the stored rows after the call. */
static void check_bonds(const char *block, const state *s)
{
    const char *v = model_value(block, "Bonds");
    int depth = 0;
    uint32_t r = 0, k = 0;
    uint64_t pair[2];
    int np = 0;
    for (; *v && *v != '\n'; v++) {
        if (*v == '[') {
            depth++;
            if (depth == 2) k = 0;
            if (depth == 3) np = 0;
        } else if (*v == ']') {
            if (depth == 3) {
                assert_int_equal(np, 2);
                assert_true(k < s->b[r].len);
                if (s->b[r].e[k].col != pair[0] || s->b[r].e[k].val != pair[1])
                    fail_msg("bonds[%u] entry %u = (%u, %u), MODEL (%llu, %llu)", r, k, s->b[r].e[k].col,
                             s->b[r].e[k].val, (unsigned long long)pair[0], (unsigned long long)pair[1]);
                k++;
            } else if (depth == 2) {
                if (k != s->b[r].len) fail_msg("bonds row %u has %u entries, MODEL %u", r, s->b[r].len, k);
                r++;
            }
            depth--;
        } else if (*v >= '0' && *v <= '9') {
            char *e;
            pair[np++ & 1] = strtoull(v, &e, 10);
            v = e - 1;
        }
    }
    assert_int_equal(r, s->n);
}

static void check_model(const char *block, const yuma_output *o, const state *s)
{
    const uint32_t n = s->n;
    check_u16(block, "StakeWeight", o->stake_weight, n);
    check_bits(block, "Active", o->active, n);
    check_bits(block, "ValidatorPermit", o->permit_new, n);
    check_u64(block, "Emission", o->emission, n);
    check_u64(block, "server_emission", o->server_emission, n);
    check_u64(block, "validator_emission", o->validator_emission, n);
    check_u16(block, "Rank", o->rank, n);
    check_u16(block, "Trust", o->trust, n);
    check_u16(block, "Consensus", o->consensus, n);
    check_u16(block, "Incentive", o->incentive, n);
    check_u16(block, "Dividends", o->dividends, n);
    check_u16(block, "ValidatorTrust", o->validator_trust, n);
    check_u16(block, "PruningScores", o->pruning_score, n);
    check_bonds(block, s);
}

/* ---- epoch_vectors.md scenarios ----------------------------------------- */

/* §1 test_1_graph: the self weight is removed and there is no permit yet, so
 * the emission falls back to the full stake. */
static void test_1_graph(void **state_)
{
    (void)state_;
    yuma_arena a = make_arena(0);
    yuma_output o;
    state s = new_state(1, 1);
    s.stake[0] = 1;
    s.lu[0] = 1;
    set_row(&s.w[0], (uint16_t[]){0}, (uint16_t[]){65535}, 1);
    assert_int_equal(epoch(&s, &o, &a), YUMA_OK);
    /* ASSERT */
    assert_int_equal(o.rank[0], 0);
    assert_int_equal(o.trust[0], 0);
    assert_int_equal(o.consensus[0], 0);
    assert_int_equal(o.incentive[0], 0);
    assert_int_equal(o.dividends[0], 0);
    assert_int_equal(o.emission[0], 1000000000);
    check_model(MODEL_test_1_graph_1, &o, &s);
    free(a.base);
}

/* §2 test_10_graph: ten uids with self weights only. */
static void test_10_graph(void **state_)
{
    (void)state_;
    yuma_arena a = make_arena(0);
    yuma_output o;
    state s = new_state(10, 1);
    for (uint16_t i = 0; i < 10; i++) {
        s.stake[i] = 1;
        s.lu[i] = 1;
        set_row(&s.w[i], (uint16_t[]){i}, (uint16_t[]){65535}, 1);
    }
    assert_int_equal(epoch(&s, &o, &a), YUMA_OK);
    for (int i = 0; i < 10; i++) { /* ASSERT */
        assert_int_equal(o.rank[i], 0);
        assert_int_equal(o.trust[i], 0);
        assert_int_equal(o.consensus[i], 0);
        assert_int_equal(o.incentive[i], 0);
        assert_int_equal(o.dividends[i], 0);
        assert_int_equal(o.emission[i], 99999999);
    }
    check_model(MODEL_test_10_graph_1, &o, &s);
    free(a.base);
}

/* §5 test_bonds: eight epochs of bond EMA dynamics. */
static void test_bonds(void **state_)
{
    (void)state_;
    yuma_arena a = make_arena(0);
    yuma_output o;
    state s = new_state(8, 1);
    s.p.max_allowed_validators = 8;
    const uint64_t stake[8] = {1, 2, 3, 4, 0, 0, 0, 0};
    for (int i = 0; i < 8; i++) {
        s.stake[i] = stake[i];
        s.bar[i] = s.lu[i] = 1;
    }
    /* epoch 0 (permit setting): every uid gets a permit, bond rows written empty */
    assert_int_equal(epoch(&s, &o, &a), YUMA_OK);
    for (int i = 0; i < 8; i++) {
        assert_true(o.permit_new[i]);
        assert_int_equal(o.bonds_action[i], YUMA_BONDS_SET);
        assert_int_equal(s.b[i].len, 0);
    }
    s.block = 2;
    const uint16_t servers[4] = {4, 5, 6, 7}, vals[4] = {16383, 32767, 49149, 65535};
    for (int i = 0; i < 4; i++) {
        set_row(&s.w[i], servers, vals, 4);
        s.lu[i] = 2;
    }
    static const char *const model[8] = {MODEL_test_bonds_1, MODEL_test_bonds_2, MODEL_test_bonds_3,
                                         MODEL_test_bonds_4, MODEL_test_bonds_5, MODEL_test_bonds_6,
                                         MODEL_test_bonds_7, MODEL_test_bonds_8};
    /* ASSERT: the bonds column 4 (epochs 1-3) and 7 (epochs 4-7) of uids 0..3 */
    static const uint16_t asserted[7][4] = {
        {16383, 32767, 49151, 65535}, {14582, 32767, 49151, 65535}, {12603, 28321, 49151, 65535},
        {12602, 28320, 49150, 65535}, {10951, 24609, 49150, 65535}, {9559, 21482, 49150, 65535},
        {8376, 18824, 49150, 65535},
    };
    static const uint64_t trace_emission[8][8] = { /* TRACE, equal to the MODEL */
        {49999998, 99999999, 150000000, 200000001, 49998779, 100000610, 149996337, 200004272},
        {44998351, 101110561, 151667215, 202223870, 49998779, 100000610, 149996337, 200004272},
        {40496805, 90999783, 157929636, 210573773, 49998779, 100000610, 149996337, 200004272},
        {99999999, 199999999, 299999999, 399999999, 0, 0, 0, 0},
        {36443733, 81898628, 163565493, 218092144, 0, 0, 0, 500000000},
        {32799427, 73706612, 168638129, 224855830, 0, 0, 0, 500000000},
        {29518068, 66336137, 173203134, 230942659, 0, 0, 0, 500000000},
        {26565175, 59701871, 177311856, 236421095, 0, 0, 0, 500000000},
    };
    for (int e = 1; e <= 8; e++) {
        if (e == 2) { /* uid 0 sets a self weight at block 2, then next_block */
            set_row(&s.w[0], (uint16_t[]){0}, (uint16_t[]){65535}, 1);
            s.lu[0] = 2;
        } else if (e == 3) {
            set_row(&s.w[1], (uint16_t[]){1}, (uint16_t[]){65535}, 1);
            s.lu[1] = 3;
        } else if (e == 4) {
            set_row(&s.w[2], (uint16_t[]){2}, (uint16_t[]){65535}, 1);
            s.lu[2] = 4;
        } else if (e == 5) {
            set_row(&s.w[2], (uint16_t[]){7}, (uint16_t[]){65535}, 1);
            s.lu[2] = 5;
        }
        s.block = (uint64_t)e + 1;
        assert_int_equal(epoch(&s, &o, &a), YUMA_OK);
        if (e <= 7) {
            uint16_t col = e <= 3 ? 4 : 7;
            for (int i = 0; i < 4; i++) {
                uint16_t got = 0;
                for (uint32_t k = 0; k < s.b[i].len; k++)
                    if (s.b[i].e[k].col == col) got = s.b[i].e[k].val;
                assert_int_equal(got, asserted[e - 1][i]);
            }
        }
        for (int i = 0; i < 8; i++) assert_int_equal(o.emission[i], trace_emission[e - 1][i]);
        for (int i = 0; i < 8; i++) assert_true(s.permit[i]);
        check_model(model[e - 1], &o, &s);
    }
    free(a.base);
}

/* §7 test_active_stake: the activity cutoff masks stake (5000 blocks). */
static void test_active_stake(void **state_)
{
    (void)state_;
    yuma_arena a = make_arena(0);
    yuma_output o;
    state s = new_state(4, 0);
    s.p.max_allowed_validators = 4;
    for (int i = 0; i < 4; i++) s.stake[i] = 1;
    assert_int_equal(epoch(&s, &o, &a), YUMA_OK); /* epoch 0: permits */
    for (int i = 0; i < 4; i++) assert_true(s.permit[i]);
    s.block = 1;
    for (int i = 0; i < 2; i++) {
        set_row(&s.w[i], (uint16_t[]){2, 3}, (uint16_t[]){65535, 65535}, 2); /* [32767, 32767] upscaled */
        s.lu[i] = 1;
    }
    assert_int_equal(epoch(&s, &o, &a), YUMA_OK);
    /* ASSERT epoch 1 */
    assert_int_equal(o.dividends[0], 32767);
    assert_int_equal(o.dividends[1], 32767);
    for (int i = 0; i < 4; i++) assert_int_equal(o.emission[i], 250000000);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(s.b[i].len, 2);
        assert_int_equal(s.b[i].e[0].col, 2);
        assert_int_equal(s.b[i].e[0].val, 65535);
        assert_int_equal(s.b[i].e[1].col, 3);
        assert_int_equal(s.b[i].e[1].val, 65535);
    }
    check_model(MODEL_test_active_stake_1, &o, &s);

    s.block = 5002;
    s.lu[0] = 5002;
    assert_int_equal(epoch(&s, &o, &a), YUMA_OK);
    /* ASSERT epoch 2 */
    assert_int_equal(o.dividends[0], 36044);
    assert_int_equal(o.emission[0], 274999999);
    assert_int_equal(s.b[0].e[0].val, 65535);
    assert_int_equal(s.b[0].e[1].val, 65535);
    assert_int_equal(o.dividends[1], 29490);
    assert_int_equal(o.emission[1], 224999999);
    assert_int_equal(s.b[1].e[0].val, 53619);
    assert_int_equal(s.b[1].e[1].val, 53619);
    check_model(MODEL_test_active_stake_2, &o, &s);

    s.lu[1] = 5002;
    s.block = 5003;
    assert_int_equal(epoch(&s, &o, &a), YUMA_OK);
    /* ASSERT epoch 3 */
    assert_int_equal(o.dividends[0], 35716);
    assert_int_equal(o.emission[0], 272501132);
    assert_int_equal(s.b[0].e[0].val, 65535);
    assert_int_equal(s.b[0].e[1].val, 65535);
    assert_int_equal(o.dividends[1], 29818);
    assert_int_equal(o.emission[1], 227498866);
    assert_int_equal(s.b[1].e[0].val, 54712);
    assert_int_equal(s.b[1].e[1].val, 54712);
    check_model(MODEL_test_active_stake_3, &o, &s);
    free(a.base);
}

/* §9 test_zero_weights: the zero-emission fallback, an outdated weight after a
 * replacement, then the worked example of yuma-epoch.md §7. */
static void test_zero_weights(void **state_)
{
    (void)state_;
    yuma_arena a = make_arena(0);
    yuma_output o;
    state s = new_state(2, 1);
    s.stake[0] = 1;
    s.bar[0] = s.bar[1] = s.lu[0] = s.lu[1] = 1;
    assert_int_equal(epoch(&s, &o, &a), YUMA_OK);
    assert_int_equal(o.emission[0], 1000000000); /* ASSERT */
    assert_int_equal(o.emission[1], 0);
    check_model(MODEL_test_zero_weights_1, &o, &s);

    set_row(&s.w[1], (uint16_t[]){1}, (uint16_t[]){65535}, 1); /* self weight at block 1 */
    s.lu[1] = 1;
    assert_int_equal(epoch(&s, &o, &a), YUMA_OK);
    assert_int_equal(o.emission[0], 1000000000);
    assert_int_equal(o.emission[1], 0);
    check_model(MODEL_test_zero_weights_2, &o, &s);

    s.block = 2;
    set_row(&s.w[0], (uint16_t[]){1}, (uint16_t[]){65535}, 1);
    s.lu[0] = 2;
    s.bar[1] = 2; /* uid 1 replaced at block 2: rows, last update and permit stay */
    s.stake[1] = 0;
    assert_int_equal(epoch(&s, &o, &a), YUMA_OK);
    assert_int_equal(o.emission[0], 1000000000);
    assert_int_equal(o.emission[1], 0);
    check_model(MODEL_test_zero_weights_3, &o, &s);

    s.block = 3;
    s.lu[0] = 3;
    assert_int_equal(epoch(&s, &o, &a), YUMA_OK);
    assert_int_equal(o.emission[0], 500000000);
    assert_int_equal(o.emission[1], 500000000);
    check_model(MODEL_test_zero_weights_4, &o, &s);
    free(a.base);
}

/* The tie at κ (§3.14: v with C⁻(v) <= minority < C(v), strict on the
 * right). Two validators, uid 1 weights uid 0 only, so column 0 holds uid 1's
 * score ONE and uid 0's zero block (its stake u0). By §4.3, §4.5 and §3.15
 * in exact integers:
 *  S = (554069, 26887), kappa 3033: u = (4096193575, 198773720),
 *    σ = 4294967295, κ = floor(3033*2^32/65535) = 198773721,
 *    minority = 4096193574 = u0 - 1 < C(0) = u0: consensus 0;
 *  S = (1, 2), kappa 43690: u = (1431655765, 2863311530), σ = 4294967295,
 *    κ = 2863311530, minority = 1431655765 = u0 = C(0): consensus ONE. */
static void test_kappa_boundary(void **state_)
{
    (void)state_;
    yuma_arena a = make_arena(0);
    yuma_output o;
    const struct {
        uint64_t s0, s1;
        uint16_t kappa, want;
    } c[2] = {{554069, 26887, 3033, 0}, {1, 2, 43690, 65535}};
    for (int t = 0; t < 2; t++) {
        state s = new_state(2, 2);
        s.p.kappa = c[t].kappa;
        s.stake[0] = c[t].s0;
        s.stake[1] = c[t].s1;
        s.bar[0] = s.bar[1] = 1;
        s.lu[0] = s.lu[1] = 2;
        s.permit[0] = s.permit[1] = true;
        set_row(&s.w[1], (uint16_t[]){0}, (uint16_t[]){65535}, 1);
        assert_int_equal(epoch(&s, &o, &a), YUMA_OK);
        assert_int_equal(o.consensus[0], c[t].want);
    }
    free(a.base);
}

/* ---- refusals and limits ------------------------------------------------ */

static yuma_status run_once(const state *s0, yuma_arena *a)
{
    state s = *s0;
    yuma_output o;
    return epoch(&s, &o, a);
}

static void test_refusals(void **state_)
{
    (void)state_;
    yuma_arena a = make_arena(0);
    state s = new_state(3, 10);
    for (int i = 0; i < 3; i++) {
        s.stake[i] = 5;
        s.permit[i] = true;
        s.lu[i] = 5; /* weights set after every registration: nothing outdated */
    }
    set_row(&s.w[0], (uint16_t[]){1, 2}, (uint16_t[]){7, 9}, 2);
    set_row(&s.b[0], (uint16_t[]){1, 2}, (uint16_t[]){7, 9}, 2);
    assert_int_equal(run_once(&s, &a), YUMA_OK);

    state t = s;
    t.p.version = YUMA_V3 + 1; /* no such variant (YUMA_V3 is tests/test_yuma_v3.c) */
    assert_int_equal(run_once(&t, &a), YUMA_EINPUT);
    t.p.version = 0;
    assert_int_equal(run_once(&t, &a), YUMA_EINPUT);

    t = s; /* a bond towards a uid that does not exist: get_bonds_sparse panics */
    set_row(&t.b[1], (uint16_t[]){3}, (uint16_t[]){1}, 1);
    assert_int_equal(run_once(&t, &a), YUMA_EINPUT);
    t = s; /* ... even on a row whose entries are all outdated */
    t.lu[1] = 0;
    t.bar[0] = 5;
    set_row(&t.b[1], (uint16_t[]){0, 9}, (uint16_t[]){1, 1}, 2);
    assert_int_equal(run_once(&t, &a), YUMA_EINPUT);
    t = s; /* a weight towards a uid that does not exist is filtered, not refused */
    set_row(&t.w[1], (uint16_t[]){3, 0, 40000}, (uint16_t[]){1, 2, 3}, 3);
    assert_int_equal(run_once(&t, &a), YUMA_OK);

    t = s; /* duplicate columns: set_weights rejects them, the epoch never writes them */
    set_row(&t.w[1], (uint16_t[]){0, 2, 0}, (uint16_t[]){1, 2, 3}, 3);
    assert_int_equal(run_once(&t, &a), YUMA_EINPUT);
    t.permit[1] = false; /* ... unless masking removes the row before it matters */
    assert_int_equal(run_once(&t, &a), YUMA_OK);
    t = s;
    set_row(&t.b[2], (uint16_t[]){1, 1}, (uint16_t[]){1, 2}, 2);
    assert_int_equal(run_once(&t, &a), YUMA_EINPUT);

    t = s; /* Σ stake >= 2^63 overflows the chain's I64F64 */
    t.stake[0] = (uint64_t)1 << 62;
    t.stake[1] = (uint64_t)1 << 62;
    assert_int_equal(run_once(&t, &a), YUMA_EINPUT);
    t.stake[1] = ((uint64_t)1 << 62) - 6; /* 2^63 - 1 in total: fine */
    assert_int_equal(run_once(&t, &a), YUMA_OK);

    t = s; /* bma/10^6 beyond I32F32 */
    t.p.bonds_moving_average = (uint64_t)1000000 << 31;
    assert_int_equal(run_once(&t, &a), YUMA_EINPUT);
    t.p.bonds_moving_average = ((uint64_t)1000000 << 31) - 1;
    assert_int_equal(run_once(&t, &a), YUMA_OK);

    /* inconsistent offsets */
    {
        uint32_t off[4] = {0, 2, 1, 2};
        yuma_entry ent[2] = {{1, 1}, {2, 2}};
        bool permit[3] = {true, true, true};
        uint64_t z[3] = {0, 0, 0};
        yuma_input in = {.n = 3, .stake = z, .last_update = z, .block_at_registration = z, .permit_old = permit,
                         .weights = {off, ent}, .bonds = {off, ent}};
        yuma_output o;
        yuma_params p = yuma_params_default();
        a.used = 0;
        assert_int_equal(yuma_epoch(&p, &in, &o, &a), YUMA_EINPUT);
        assert_int_equal(yuma_epoch(NULL, &in, &o, &a), YUMA_EINPUT);
    }

    /* n > YUMA_MAX_UIDS */
    {
        yuma_input in;
        memset(&in, 0, sizeof in);
        in.n = YUMA_MAX_UIDS + 1;
        yuma_output o;
        yuma_params p = yuma_params_default();
        assert_int_equal(yuma_epoch(&p, &in, &o, &a), YUMA_ETOOBIG);
    }
    free(a.base);
}

static void test_arena_bound(void **state_)
{
    (void)state_;
    state s = new_state(3, 10);
    for (int i = 0; i < 3; i++) {
        s.stake[i] = 5;
        s.permit[i] = true;
    }
    set_row(&s.w[0], (uint16_t[]){1, 2}, (uint16_t[]){7, 9}, 2);
    static csr_buf wb, bb;
    yuma_input in = {.n = 3, .current_block = 10, .rao_emission = 1000, .stake = s.stake, .last_update = s.lu,
                     .block_at_registration = s.bar, .permit_old = s.permit,
                     .weights = to_csr(s.w, 3, &wb), .bonds = to_csr(s.b, 3, &bb)};
    size_t need = yuma_arena_need(3, 2, 0);
    unsigned char *buf = malloc(need + 16);
    yuma_output o;
    for (int shift = 0; shift < 16; shift++) { /* any alignment of the base */
        yuma_arena a = {buf + shift, need, 12345};
        assert_int_equal(yuma_epoch(&s.p, &in, &o, &a), YUMA_OK);
        assert_true(a.used <= a.cap);
        assert_int_equal(o.emission[1] + o.emission[2] + o.emission[0] <= 1000, 1);
        a.cap = need - 1;
        assert_int_equal(yuma_epoch(&s.p, &in, &o, &a), YUMA_ENOMEM);
    }
    yuma_arena none = {NULL, 0, 0};
    assert_int_equal(yuma_epoch(&s.p, &in, &o, &none), YUMA_ENOMEM);
    free(buf);
}

/* yuma-epoch.md §8: an empty network returns empty vectors. */
static void test_empty_network(void **state_)
{
    (void)state_;
    uint32_t off[1] = {0};
    yuma_input in = {.n = 0, .current_block = 7, .rao_emission = 1000000000, .weights = {off, NULL},
                     .bonds = {off, NULL}};
    yuma_arena a = make_arena(yuma_arena_need(0, 0, 0));
    yuma_output o;
    yuma_params p = yuma_params_default();
    assert_int_equal(yuma_epoch(&p, &in, &o, &a), YUMA_OK);
    assert_int_equal(o.bonds_off[0], 0);
    free(a.base);
}

/* The chain's defaults (yuma-epoch.md §9 pallet default / finney). */
static void test_params_default(void **state_)
{
    (void)state_;
    yuma_params p = yuma_params_default();
    assert_int_equal(p.version, YUMA_V2);
    assert_int_equal(p.kappa, 32767);
    assert_int_equal(p.bonds_moving_average, 900000);
    assert_int_equal(p.activity_cutoff, 5000);
    assert_int_equal(p.max_allowed_validators, 128);
    assert_false(p.liquid_alpha_enabled);
    assert_int_equal(p.alpha_low, 45875);
    assert_int_equal(p.alpha_high, 58982);
    assert_int_equal(p.owner_uid, -1);
    assert_string_equal(yuma_strerror(YUMA_EINPUT), "inconsistent epoch input");
}

/* ---- the dense reference epoch ------------------------------------------ */

typedef struct ref_out {
    bool active[MAXN], permit_new[MAXN];
    uint16_t stake_weight[MAXN], rank[MAXN], trust[MAXN], consensus[MAXN], incentive[MAXN], dividends[MAXN];
    uint16_t vtrust[MAXN], pruning[MAXN];
    uint64_t emission[MAXN], server[MAXN], validator[MAXN];
    uint8_t action[MAXN];
    bool keep[MAXN][MAXN];
    uint16_t bond[MAXN][MAXN];
} ref_out;

typedef i32f32 mat[MAXN][MAXN];

static i32f32 rdiv(i32f32 a, i32f32 b)
{
    i32f32 r = i32f32_zero();
    assert_int_equal(i32f32_sat_div(a, b, &r), FX_OK);
    return r;
}

static i32f32 rsum(const i32f32 *x, uint32_t n)
{
    i32f32 s = i32f32_zero();
    for (uint32_t i = 0; i < n; i++) s = i32f32_wrap_add(s, x[i]);
    return s;
}

static void rnormalize(i32f32 *x, uint32_t n)
{
    i32f32 s = rsum(x, n);
    if (s.bits != 0)
        for (uint32_t i = 0; i < n; i++) x[i] = rdiv(x[i], s);
}

static void rcolnorm(mat m, uint32_t n)
{
    for (uint32_t j = 0; j < n; j++) {
        i32f32 c = i32f32_zero();
        for (uint32_t i = 0; i < n; i++) c = i32f32_sat_add(c, m[i][j]);
        if (c.bits != 0)
            for (uint32_t i = 0; i < n; i++) m[i][j] = rdiv(m[i][j], c);
    }
}

static uint16_t rprop(i32f32 x)
{
    uint16_t u = 0;
    assert_int_equal(i32f32_proportion_to_u16(x, &u), FX_OK);
    return u;
}

/* quantile of math.rs with its f64 position and weight. */
static i32f32 rquantile(const i32f32 *sorted, uint32_t len, double q)
{
    if (len == 0) return i32f32_zero();
    double pos = q * (double)(len - 1);
    size_t lo = (size_t)floor(pos), hi = (size_t)ceil(pos);
    if (lo == hi) return sorted[lo];
    i32f32 w = i32f32_from_double(pos - (double)lo);
    return i32f32_sat_add(sorted[lo], i32f32_sat_mul(i32f32_sat_sub(sorted[hi], sorted[lo]), w));
}

static uint16_t rround_u16(i32f32 x)
{
    i32f32 r;
    uint16_t u = 0;
    assert_int_equal(i32f32_round(x, &r), FX_OK);
    assert_int_equal(i32f32_to_u16(r, &u), FX_OK);
    return u;
}

static void rupscale(const i32f32 *v, uint32_t n, uint16_t *out)
{
    if (n == 0) return;
    const i32f32 u16max = i32f32_from_u16(65535);
    i32f32 m = v[0];
    for (uint32_t i = 1; i < n; i++)
        if (v[i].bits > m.bits) m = v[i];
    for (uint32_t i = 0; i < n; i++) {
        if (m.bits == 0) {
            assert_int_equal(i32f32_to_u16(i32f32_sat_mul(v[i], u16max), &out[i]), FX_OK);
        } else if (m.bits > ((int64_t)32768 << 32)) {
            out[i] = rround_u16(i32f32_sat_mul(v[i], rdiv(u16max, m)));
        } else {
            out[i] = rround_u16(rdiv(i32f32_sat_mul(v[i], u16max), m));
        }
    }
}

static void ref_epoch(const state *s, ref_out *r)
{
    const uint32_t n = s->n;
    const yuma_params *p = &s->p;
    memset(r, 0, sizeof *r);
    static mat W, B, dB, E;
    memset(W, 0, sizeof W);
    memset(B, 0, sizeof B);
    i32f32 stake[MAXN], a[MAXN], P[MAXN], C[MAXN], R[MAXN], T[MAXN], VT[MAXN], D[MAXN], X[MAXN];
    i32f32 ns[MAXN], nv[MAXN], nc[MAXN], alpha[MAXN];

    for (uint32_t i = 0; i < n; i++) {
        uint64_t upto = s->lu[i] + p->activity_cutoff;
        if (upto < s->lu[i]) upto = UINT64_MAX;
        r->active[i] = !(upto < s->block);
    }
    /* stake: I64F64 normalisation, then the narrowing floor */
    i64f64 s64[MAXN];
    fx_i128 tot = 0;
    for (uint32_t i = 0; i < n; i++) {
        s64[i] = i64f64_from_u64(s->stake[i]);
        tot += s64[i].bits;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (tot != 0) assert_int_equal(i64f64_sat_div(s64[i], i64f64_from_bits(tot), &s64[i]), FX_OK);
        assert_int_equal(i64f64_to_i32f32(s64[i], &stake[i]), FX_OK);
    }
    /* is_topk by rank in the stable ascending order */
    const uint32_t K = p->max_allowed_validators;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t rank = 0;
        for (uint32_t j = 0; j < n; j++)
            if (stake[j].bits < stake[i].bits || (stake[j].bits == stake[i].bits && j < i)) rank++;
        r->permit_new[i] = n <= K || rank >= n - K;
    }
    for (uint32_t i = 0; i < n; i++) a[i] = (r->active[i] && s->permit[i]) ? stake[i] : i32f32_zero();
    rnormalize(a, n);
    /* weights */
    for (uint32_t i = 0; i < n; i++) {
        if (!s->permit[i]) continue;
        for (uint32_t k = 0; k < s->w[i].len; k++)
            if (s->w[i].e[k].col < n) W[i][s->w[i].e[k].col] = i32f32_from_u16(s->w[i].e[k].val);
        W[i][i] = i32f32_zero();
        for (uint32_t j = 0; j < n; j++)
            if (s->lu[i] <= s->bar[j]) W[i][j] = i32f32_zero();
        i32f32 rs = rsum(W[i], n);
        if (rs.bits > 0)
            for (uint32_t j = 0; j < n; j++) W[i][j] = rdiv(W[i][j], rs);
    }
    for (uint32_t j = 0; j < n; j++) {
        P[j] = i32f32_zero();
        for (uint32_t i = 0; i < n; i++) P[j] = i32f32_sat_add(P[j], i32f32_sat_mul(W[i][j], a[i]));
    }
    /* consensus: weighted_median_col */
    const i32f32 kappa = rdiv(i32f32_from_u16(p->kappa), i32f32_from_u16(65535));
    for (uint32_t c = 0; c < n; c++) {
        i32f32 us[MAXN], sc[MAXN];
        uint32_t m = 0, idx[MAXN], scr[2 * MAXN];
        for (uint32_t i = 0; i < n; i++)
            if (a[i].bits > 0) {
                us[m] = a[i];
                sc[m] = W[i][c];
                idx[m] = m;
                m++;
            }
        rnormalize(us, m);
        i32f32 sigma = rsum(us, m);
        C[c] = ym_weighted_median_literal(us, sc, idx, m, i32f32_sat_sub(sigma, kappa), i32f32_zero(), sigma, scr);
    }
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < n; j++)
            if (C[j].bits < W[i][j].bits) W[i][j] = C[j];
        VT[i] = rsum(W[i], n);
    }
    for (uint32_t j = 0; j < n; j++) {
        R[j] = i32f32_zero();
        for (uint32_t i = 0; i < n; i++) R[j] = i32f32_sat_add(R[j], i32f32_sat_mul(W[i][j], a[i]));
        T[j] = P[j].bits != 0 ? rdiv(R[j], P[j]) : i32f32_zero();
    }
    rnormalize(R, n);
    /* bonds */
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t k = 0; k < s->b[i].len; k++) B[i][s->b[i].e[k].col] = i32f32_from_u16(s->b[i].e[k].val);
        for (uint32_t j = 0; j < n; j++)
            if (s->lu[i] <= s->bar[j]) B[i][j] = i32f32_zero();
        for (uint32_t j = 0; j < n; j++) dB[i][j] = i32f32_sat_mul(W[i][j], a[i]);
    }
    rcolnorm(B, n);
    rcolnorm(dB, n);
    bool liquid = false;
    if (p->liquid_alpha_enabled && n > 0) {
        bool any = false;
        for (uint32_t j = 0; j < n; j++) any |= C[j].bits != 0;
        i32f32 sorted[MAXN];
        memcpy(sorted, C, n * sizeof *C);
        for (uint32_t i = 1; i < n; i++)
            for (uint32_t j = i; j > 0 && sorted[j - 1].bits > sorted[j].bits; j--) {
                i32f32 t = sorted[j];
                sorted[j] = sorted[j - 1];
                sorted[j - 1] = t;
            }
        i32f32 c_hi = rquantile(sorted, n, 0.75), c_lo = rquantile(sorted, n, 0.25);
        if (any && (c_hi.bits > c_lo.bits || c_hi.bits != 0 || c_lo.bits < 0)) {
            liquid = true;
            const i32f32 one = i32f32_one();
            i32f32 a_lo = rdiv(i32f32_from_u16(p->alpha_low), i32f32_from_u16(65535));
            i32f32 a_hi = rdiv(i32f32_from_u16(p->alpha_high), i32f32_from_u16(65535));
            i32f32 la = i32f32_zero(), lb = i32f32_zero();
            if (!(c_hi.bits <= c_lo.bits || a_lo.bits == 0 || a_hi.bits == 0)) {
                i32f32 t_hi = i32f32_safe_ln(i32f32_sat_sub(rdiv(one, a_hi), one));
                i32f32 t_lo = i32f32_safe_ln(i32f32_sat_sub(rdiv(one, a_lo), one));
                la = rdiv(i32f32_sat_sub(t_hi, t_lo), i32f32_sat_sub(c_lo, c_hi));
                lb = i32f32_sat_add(t_lo, i32f32_sat_mul(la, c_lo));
            }
            for (uint32_t j = 0; j < n; j++) {
                i32f32 x = i32f32_sat_sub(lb, i32f32_sat_mul(la, C[j]));
                i32f32 al = rdiv(one, i32f32_sat_add(one, i32f32_safe_exp(x)));
                if (al.bits > a_hi.bits) al = a_hi;
                if (al.bits < a_lo.bits) al = a_lo;
                alpha[j] = al;
            }
        }
    }
    i64f64 m64;
    assert_int_equal(i64f64_sat_div(i64f64_from_u64(p->bonds_moving_average), i64f64_from_u64(1000000), &m64), FX_OK);
    i32f32 m32;
    assert_int_equal(i64f64_to_i32f32(m64, &m32), FX_OK);
    const i32f32 al = i32f32_sat_sub(i32f32_one(), m32);
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++) {
            i32f32 aj = liquid ? alpha[j] : al, bj = i32f32_sat_sub(i32f32_one(), aj);
            E[i][j] = i32f32_sat_add(i32f32_sat_mul(aj, dB[i][j]), i32f32_sat_mul(bj, B[i][j]));
            r->keep[i][j] = E[i][j].bits > 0; /* the sparse EMA keeps positive entries only */
        }
    rcolnorm(E, n);
    for (uint32_t i = 0; i < n; i++) {
        D[i] = i32f32_zero();
        for (uint32_t j = 0; j < n; j++) D[i] = i32f32_sat_add(D[i], i32f32_sat_mul(E[i][j], R[j]));
    }
    rnormalize(D, n);
    for (uint32_t i = 0; i < n; i++) X[i] = i32f32_sat_add(R[i], D[i]);
    const i32f32 sigma = rsum(X, n);
    memcpy(ns, R, n * sizeof *ns);
    memcpy(nv, D, n * sizeof *nv);
    memcpy(nc, X, n * sizeof *nc);
    if (sigma.bits != 0)
        for (uint32_t i = 0; i < n; i++) {
            ns[i] = rdiv(ns[i], sigma);
            nv[i] = rdiv(nv[i], sigma);
        }
    rnormalize(nc, n);
    if (sigma.bits == 0) {
        bool zero = true;
        for (uint32_t i = 0; i < n; i++) zero &= a[i].bits == 0;
        memcpy(nv, zero ? stake : a, n * sizeof *nv);
        memcpy(nc, zero ? stake : a, n * sizeof *nc);
    }
    const i96f32 e96 = i96f32_from_u64(s->rao);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(i96f32_to_u64(i96f32_sat_mul(i32f32_to_i96f32(ns[i]), e96), &r->server[i]), FX_OK);
        assert_int_equal(i96f32_to_u64(i96f32_sat_mul(i32f32_to_i96f32(nv[i]), e96), &r->validator[i]), FX_OK);
        assert_int_equal(i96f32_to_u64(i96f32_sat_mul(i32f32_to_i96f32(nc[i]), e96), &r->emission[i]), FX_OK);
        r->stake_weight[i] = rprop(stake[i]);
        r->rank[i] = rprop(R[i]);
        r->trust[i] = rprop(T[i]);
        r->consensus[i] = rprop(C[i]);
        r->incentive[i] = rprop(R[i]);
        r->dividends[i] = rprop(D[i]);
        r->vtrust[i] = rprop(VT[i]);
    }
    rupscale(nc, n, r->pruning);
    /* inplace_col_max_upscale, then the u16 rows */
    for (uint32_t j = 0; j < n; j++) {
        i32f32 mx = i32f32_zero();
        for (uint32_t i = 0; i < n; i++)
            if (E[i][j].bits > mx.bits) mx = E[i][j];
        if (mx.bits != 0)
            for (uint32_t i = 0; i < n; i++) E[i][j] = rdiv(E[i][j], mx);
    }
    for (uint32_t i = 0; i < n; i++) {
        r->action[i] = r->permit_new[i] ? YUMA_BONDS_SET : s->permit[i] ? YUMA_BONDS_CLEAR : YUMA_BONDS_KEEP;
        for (uint32_t j = 0; j < n; j++) r->bond[i][j] = r->keep[i][j] ? rprop(E[i][j]) : 0;
    }
}

static void compare(const state *s, const yuma_output *o, const ref_out *r, unsigned long long seed)
{
    const uint32_t n = s->n;
#define CMP(f, g)                                                                                             \
    for (uint32_t i = 0; i < n; i++)                                                                          \
        if ((uint64_t)o->f[i] != (uint64_t)r->g[i])                                                           \
            fail_msg("seed %llu n %u: " #f "[%u] = %llu, reference %llu", seed, n, i, (unsigned long long)o->f[i], \
                     (unsigned long long)r->g[i]);
    CMP(active, active)
    CMP(permit_new, permit_new)
    CMP(stake_weight, stake_weight)
    CMP(rank, rank)
    CMP(trust, trust)
    CMP(consensus, consensus)
    CMP(incentive, incentive)
    CMP(dividends, dividends)
    CMP(validator_trust, vtrust)
    CMP(pruning_score, pruning)
    CMP(emission, emission)
    CMP(server_emission, server)
    CMP(validator_emission, validator)
    CMP(bonds_action, action)
#undef CMP
    for (uint32_t i = 0; i < n; i++) {
        if (o->bonds_action[i] != YUMA_BONDS_SET) continue;
        uint32_t k = o->bonds_off[i];
        for (uint32_t j = 0; j < n; j++) {
            if (!r->keep[i][j]) continue;
            if (k >= o->bonds_off[i + 1] || o->bonds_ent[k].col != j || o->bonds_ent[k].val != r->bond[i][j])
                fail_msg("seed %llu: bonds row %u differs at column %u", seed, i, j);
            k++;
        }
        if (k != o->bonds_off[i + 1]) fail_msg("seed %llu: bonds row %u has extra entries", seed, i);
    }
}

/* ---- random subnets ----------------------------------------------------- */

static uint64_t rnd(uint64_t *g) /* splitmix64 */
{
    uint64_t z = (*g += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static uint64_t below(uint64_t *g, uint64_t k) { return rnd(g) % k; }

static uint16_t rnd_u16(uint64_t *g)
{
    switch (below(g, 6)) {
    case 0: return 0;
    case 1: return 65535;
    case 2: return (uint16_t)(1 + below(g, 3));
    default: return (uint16_t)rnd(g);
    }
}

/* A weight row: distinct columns in random order, some >= n or the uid itself. */
static void rnd_weights(row *r, uint32_t n, uint64_t *g)
{
    uint16_t perm[MAXN + 4];
    uint32_t m = n + 3 < MAXN + 4 ? n + 3 : MAXN + 4;
    for (uint32_t k = 0; k < m; k++) perm[k] = (uint16_t)k;
    for (uint32_t k = m; k > 1; k--) {
        uint32_t q = (uint32_t)below(g, k);
        uint16_t t = perm[k - 1];
        perm[k - 1] = perm[q];
        perm[q] = t;
    }
    r->len = below(g, 4) == 0 ? 0 : (uint32_t)below(g, m + 1);
    for (uint32_t k = 0; k < r->len; k++) r->e[k] = (yuma_entry){perm[k], rnd_u16(g)};
}

static void rnd_bonds(row *r, uint32_t n, uint64_t *g)
{
    r->len = 0;
    uint64_t dens = below(g, 4);
    for (uint32_t j = 0; j < n; j++)
        if (below(g, 4) < dens) r->e[r->len++] = (yuma_entry){(uint16_t)j, rnd_u16(g)};
}

static void rnd_state(state *s, uint64_t *g)
{
    uint32_t n = 1 + (uint32_t)below(g, below(g, 3) == 0 ? 6 : 40);
    *s = new_state(n, below(g, 40));
    const uint16_t kappas[4] = {32767, 0, 65535, 40000};
    s->p.kappa = below(g, 2) ? kappas[below(g, 4)] : (uint16_t)rnd(g);
    const uint64_t bmas[5] = {900000, 975000, 0, 1000000, 500000};
    s->p.bonds_moving_average = below(g, 2) ? bmas[below(g, 5)] : below(g, 1000001);
    s->p.activity_cutoff = below(g, 3) ? below(g, 20) : 5000;
    s->p.max_allowed_validators = (uint16_t)below(g, n + 3);
    s->p.liquid_alpha_enabled = below(g, 2);
    if (below(g, 2)) {
        s->p.alpha_low = rnd_u16(g);
        s->p.alpha_high = rnd_u16(g);
    }
    const uint64_t raos[3] = {1000000000, UINT64_MAX, 0};
    s->rao = below(g, 2) ? raos[below(g, 3)] : rnd(g);
    uint64_t cap = ((uint64_t)1 << 62) / n;
    for (uint32_t i = 0; i < n; i++) {
        switch (below(g, 5)) {
        case 0: s->stake[i] = 0; break;
        case 1: s->stake[i] = 1 + below(g, 10); break;
        case 2: s->stake[i] = below(g, cap); break;
        default: s->stake[i] = below(g, (uint64_t)1 << 40); break;
        }
        s->lu[i] = below(g, 40);
        s->bar[i] = below(g, 40);
        s->permit[i] = below(g, 3) != 0;
        rnd_weights(&s->w[i], n, g);
        rnd_bonds(&s->b[i], n, g);
    }
}

/* Between epochs: time passes, some validators set weights again. */
static void rnd_step(state *s, uint64_t *g)
{
    s->block += below(g, 10);
    for (uint32_t i = 0; i < s->n; i++) {
        if (below(g, 3) == 0) {
            rnd_weights(&s->w[i], s->n, g);
            s->lu[i] = s->block;
        }
        if (below(g, 8) == 0) s->stake[i] = below(g, (uint64_t)1 << 40);
        if (below(g, 16) == 0) s->bar[i] = s->block; /* replaced uid */
    }
}

static void test_against_dense_reference(void **state_)
{
    (void)state_;
    static state s;
    static ref_out r;
    yuma_output o;
    uint64_t g = 20240521;
    unsigned char *buf = NULL;
    int liquid_used = 0;
    for (int t = 0; t < 3000; t++) {
        unsigned long long seed = g;
        rnd_state(&s, &g);
        for (int e = 0; e < 4; e++) {
            static csr_buf wb, bb;
            yuma_input in = {
                .n = s.n, .current_block = s.block, .rao_emission = s.rao, .stake = s.stake,
                .last_update = s.lu, .block_at_registration = s.bar, .permit_old = s.permit,
                .weights = to_csr(s.w, s.n, &wb), .bonds = to_csr(s.b, s.n, &bb),
            };
            /* exactly the advertised bytes, at any alignment */
            size_t need = yuma_arena_need(s.n, wb.off[s.n], bb.off[s.n]);
            free(buf);
            buf = malloc(need + 16);
            yuma_arena a = {buf + below(&g, 16), need, 0};
            ref_epoch(&s, &r);
            yuma_status st = yuma_epoch(&s.p, &in, &o, &a);
            if (st != YUMA_OK) fail_msg("seed %llu epoch %d: %s", seed, e, yuma_strerror(st));
            compare(&s, &o, &r, seed);
            liquid_used += s.p.liquid_alpha_enabled;
            for (uint32_t i = 0; i < s.n; i++) { /* write back, as the chain does */
                s.permit[i] = o.permit_new[i];
                if (o.bonds_action[i] == YUMA_BONDS_CLEAR) s.b[i].len = 0;
                if (o.bonds_action[i] == YUMA_BONDS_SET) {
                    s.b[i].len = o.bonds_off[i + 1] - o.bonds_off[i];
                    memcpy(s.b[i].e, o.bonds_ent + o.bonds_off[i], s.b[i].len * sizeof(yuma_entry));
                }
            }
            rnd_step(&s, &g);
        }
    }
    free(buf);
    assert_true(liquid_used > 1000);
}

/* ---- the sparse reference epoch ----------------------------------------- */

/* yuma-epoch.md §4 as a straight sequence of the sparse primitives of
 * yuma_math.h, each checked against math_vectors.md in test_yuma_math.c. It
 * follows the chain's sparse semantics everywhere (the dense reference does
 * not when bma > 10^6 makes α negative), so it covers what the dense one
 * cannot: α outside [0, 1] and bond rows stored out of column order. */
static void ref_sparse_epoch(const state *s, ref_out *r)
{
    const uint32_t n = s->n;
    const yuma_params *p = &s->p;
    static csr_buf wb, bb;
    static uint32_t woff[MAXN + 1], boff[MAXN + 1], eoff[MAXN + 1], dboff[MAXN + 1], stamp[MAXN];
    static uint16_t wcol[MAXN * (MAXN + 4)], bcol[MAXN * (MAXN + 4)], ecol[2 * MAXN * (MAXN + 4)];
    static i32f32 wval[MAXN * (MAXN + 4)], bval[MAXN * (MAXN + 4)], eval[2 * MAXN * (MAXN + 4)];
    static i32f32 dbval[MAXN * (MAXN + 4)];
    static unsigned char scratch[1 << 20];
    yuma_arena ar = {scratch, sizeof scratch, 0};
    i32f32 stake[MAXN], a[MAXN], P[MAXN], C[MAXN], R[MAXN], T[MAXN], VT[MAXN], D[MAXN], X[MAXN], cs[MAXN];
    i32f32 ns[MAXN], nv[MAXN], alpha[MAXN];
    memset(r, 0, sizeof *r);
    yuma_csr wcsr = to_csr(s->w, n, &wb), bcsr = to_csr(s->b, n, &bb);
    bool forbid[MAXN];
    for (uint32_t i = 0; i < n; i++) {
        uint64_t upto = s->lu[i] + p->activity_cutoff;
        if (upto < s->lu[i]) upto = UINT64_MAX;
        r->active[i] = !(upto < s->block);
        forbid[i] = !s->permit[i];
    }
    i64f64 s64[MAXN];
    fx_i128 tot = 0;
    for (uint32_t i = 0; i < n; i++) {
        s64[i] = i64f64_from_u64(s->stake[i]);
        tot += s64[i].bits;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (tot) assert_int_equal(i64f64_sat_div(s64[i], i64f64_from_bits(tot), &s64[i]), FX_OK);
        assert_int_equal(i64f64_to_i32f32(s64[i], &stake[i]), FX_OK);
    }
    assert_true(ym_is_topk(stake, n, p->max_allowed_validators, r->permit_new, &ar));
    for (uint32_t i = 0; i < n; i++) a[i] = (r->active[i] && !forbid[i]) ? stake[i] : i32f32_zero();
    ym_normalize(a, n);
    ym_sparse W = {n, woff, wcol, wval}, B = {n, boff, bcol, bval}, E = {n, eoff, ecol, eval};
    assert_int_equal(ym_sparse_load(&wcsr, n, n, forbid, true, true, s->lu, s->bar, stamp, &W), YUMA_OK);
    ym_row_normalize_sparse(&W);
    ym_matmul_sparse(&W, a, n, P);
    i32f32 kappa = rdiv(i32f32_from_u16(p->kappa), i32f32_from_u16(65535));
    assert_true(ym_weighted_median_col_sparse(a, &W, n, kappa, C, &ar));
    ym_col_clip_sparse(&W, C);
    ym_row_sum_sparse(&W, VT);
    ym_matmul_sparse(&W, a, n, R);
    ym_vecdiv(R, P, n, T);
    ym_normalize(R, n);
    assert_int_equal(ym_sparse_load(&bcsr, n, n, NULL, false, false, s->lu, s->bar, stamp, &B), YUMA_OK);
    ym_col_normalize_sparse(&B, n, cs);
    memcpy(dboff, woff, sizeof dboff);
    memcpy(dbval, wval, ym_nnz(&W) * sizeof *dbval);
    ym_sparse dB = {n, dboff, wcol, dbval};
    ym_row_hadamard_sparse(&dB, a);
    ym_col_normalize_sparse(&dB, n, cs);
    bool liquid = false;
    bool any = false;
    for (uint32_t j = 0; j < n; j++) any |= C[j].bits != 0;
    if (p->liquid_alpha_enabled && any) {
        i32f32 sorted[MAXN];
        memcpy(sorted, C, n * sizeof *C);
        assert_true(ym_sort_i32f32(sorted, n, &ar));
        i32f32 c_hi = ym_quantile_sorted(sorted, n, 3, 4), c_lo = ym_quantile_sorted(sorted, n, 1, 4);
        if (c_hi.bits > c_lo.bits || c_hi.bits != 0 || c_lo.bits < 0) {
            i32f32 a_lo = rdiv(i32f32_from_u16(p->alpha_low), i32f32_from_u16(65535));
            i32f32 a_hi = rdiv(i32f32_from_u16(p->alpha_high), i32f32_from_u16(65535)), la, lb;
            ym_logistic_params(a_hi, a_lo, c_hi, c_lo, &la, &lb);
            ym_alpha_values(C, n, la, lb, alpha);
            ym_clamp_alpha(alpha, n, a_hi, a_lo);
            liquid = true;
        }
    }
    if (liquid) {
        assert_true(ym_mat_ema_alpha_vec_sparse(&dB, &B, alpha, n, n, &E, &ar));
    } else {
        i64f64 m64;
        i32f32 m32;
        const i64f64 bma = i64f64_from_u64(p->bonds_moving_average);
        assert_int_equal(i64f64_sat_div(bma, i64f64_from_u64(1000000), &m64), FX_OK);
        assert_int_equal(i64f64_to_i32f32(m64, &m32), FX_OK);
        assert_true(ym_mat_ema_sparse(&dB, &B, i32f32_sat_sub(i32f32_one(), m32), n, &E, &ar));
    }
    ym_col_normalize_sparse(&E, n, cs);
    ym_matmul_transpose_sparse(&E, R, D);
    ym_normalize(D, n);
    for (uint32_t i = 0; i < n; i++) X[i] = i32f32_sat_add(R[i], D[i]);
    const i32f32 esum = ym_sum(X, n);
    memcpy(ns, R, n * sizeof *ns);
    memcpy(nv, D, n * sizeof *nv);
    ym_normalize_using_sum(ns, n, esum);
    ym_normalize_using_sum(nv, n, esum);
    ym_normalize(X, n);
    if (esum.bits == 0) {
        bool zero = true;
        for (uint32_t i = 0; i < n; i++) zero &= a[i].bits == 0;
        memcpy(nv, zero ? stake : a, n * sizeof *nv);
        memcpy(X, zero ? stake : a, n * sizeof *X);
    }
    const i96f32 e96 = i96f32_from_u64(s->rao);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(i96f32_to_u64(i96f32_sat_mul(i32f32_to_i96f32(ns[i]), e96), &r->server[i]), FX_OK);
        assert_int_equal(i96f32_to_u64(i96f32_sat_mul(i32f32_to_i96f32(nv[i]), e96), &r->validator[i]), FX_OK);
        assert_int_equal(i96f32_to_u64(i96f32_sat_mul(i32f32_to_i96f32(X[i]), e96), &r->emission[i]), FX_OK);
        r->stake_weight[i] = rprop(stake[i]);
        r->rank[i] = r->incentive[i] = rprop(R[i]);
        r->trust[i] = rprop(T[i]);
        r->consensus[i] = rprop(C[i]);
        r->dividends[i] = rprop(D[i]);
        r->vtrust[i] = rprop(VT[i]);
    }
    ym_vec_max_upscale_to_u16(X, n, r->pruning);
    ym_col_max_upscale_sparse(&E, n, cs);
    for (uint32_t i = 0; i < n; i++) {
        r->action[i] = r->permit_new[i] ? YUMA_BONDS_SET : s->permit[i] ? YUMA_BONDS_CLEAR : YUMA_BONDS_KEEP;
        for (uint32_t q = eoff[i]; q < eoff[i + 1]; q++) {
            r->keep[i][ecol[q]] = true;
            r->bond[i][ecol[q]] = rprop(eval[q]);
        }
    }
}

/* Random subnets as in test_against_dense_reference, but with bma up to
 * 3*10^6 (α < 0 and β > 1 for bma > 10^6) and bond rows shuffled. */
static void test_against_sparse_reference(void **state_)
{
    (void)state_;
    static state s;
    static ref_out r;
    yuma_output o;
    uint64_t g = 77;
    yuma_arena a = make_arena(1 << 22);
    int negative_alpha = 0, shuffled = 0;
    for (int t = 0; t < 1500; t++) {
        unsigned long long seed = g;
        rnd_state(&s, &g);
        if (below(&g, 2)) s.p.bonds_moving_average = 1000000 + below(&g, 2000001);
        negative_alpha += s.p.bonds_moving_average > 1000000 && !s.p.liquid_alpha_enabled;
        for (int e = 0; e < 4; e++) {
            for (uint32_t i = 0; i < s.n; i++) /* bond rows in any column order */
                if (below(&g, 3) == 0 && s.b[i].len > 1) {
                    for (uint32_t k = s.b[i].len; k > 1; k--) {
                        uint32_t q = (uint32_t)below(&g, k);
                        yuma_entry x = s.b[i].e[k - 1];
                        s.b[i].e[k - 1] = s.b[i].e[q];
                        s.b[i].e[q] = x;
                    }
                    shuffled++;
                }
            ref_sparse_epoch(&s, &r);
            yuma_status st = epoch(&s, &o, &a);
            if (st != YUMA_OK) fail_msg("seed %llu epoch %d: %s", seed, e, yuma_strerror(st));
            /* epoch() already wrote back; compare the outputs */
            compare(&s, &o, &r, seed);
            rnd_step(&s, &g);
        }
    }
    free(a.base);
    assert_true(negative_alpha > 300);
    assert_true(shuffled > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_1_graph),
        cmocka_unit_test(test_10_graph),
        cmocka_unit_test(test_bonds),
        cmocka_unit_test(test_active_stake),
        cmocka_unit_test(test_zero_weights),
        cmocka_unit_test(test_kappa_boundary),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_arena_bound),
        cmocka_unit_test(test_empty_network),
        cmocka_unit_test(test_params_default),
        cmocka_unit_test(test_against_dense_reference),
        cmocka_unit_test(test_against_sparse_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
