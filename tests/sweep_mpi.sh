#!/usr/bin/env bash
# sweep_mpi.sh BIN -- the MPI build of taosim (make MPI=1) on two ranks over
# loopback gives the same bytes as the local run: every file of every run
# directory and sweep.csv, the stdout lines, a failing study's outcome, and
# --resume. Run by `make test-mpi` (and CI) from the repository root.
#
# Open MPI on one machine with no network but loopback: TCP on lo for both the
# runtime (oob) and the messages (btl), root allowed (CI runs as root),
# oversubscription allowed (the machine may offer fewer slots than ranks).
set -uo pipefail
BIN=${1:?usage: tests/sweep_mpi.sh BIN}
export OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN=(timeout 300 mpirun --oversubscribe -n 2)
T=$(mktemp -d /tmp/taosim-mpi-XXXXXX)
trap 'rm -rf "$T"' EXIT
STUDY=(tests/run/study.ini --set run.repeat=3) # 2 points x 3 repeats: 6 runs, 3 per rank
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# 1. the study: -j 1 (local) vs mpirun -n 2, files and stdout
"$BIN" run "${STUDY[@]}" -j 1 --out "$T/out" >"$T/local.stdout" 2>"$T/local.stderr" && mv "$T/out" "$T/local"
"${MPIRUN[@]}" "$BIN" run "${STUDY[@]}" --out "$T/out" >"$T/mpi.stdout" 2>"$T/mpi.stderr"
rc=$?
mv "$T/out" "$T/mpi" 2>/dev/null
if [ $rc -eq 0 ] && grep -q "^taosim run: 6 runs over 2 MPI ranks$" "$T/mpi.stderr" &&
   [ -f "$T/mpi/sweep.csv" ] && [ -f "$T/mpi/run-0005/summary.csv" ] && diff -r "$T/local" "$T/mpi" >/dev/null &&
   diff "$T/local.stdout" "$T/mpi.stdout" >/dev/null; then
    ok "mpirun -n 2 = -j 1: every file of 6 run directories, sweep.csv and the stdout lines"
else
    bad "mpirun -n 2 differs from -j 1 (exit $rc)"; cat "$T/mpi.stderr"; diff -r "$T/local" "$T/mpi" | head -5
fi

# 2. ranks with their own workers: mpirun -n 2 ... -j 2, -r selection
"$BIN" run "${STUDY[@]}" -r 1..4 --out "$T/out" --quiet && mv "$T/out" "$T/local-r"
"${MPIRUN[@]}" "$BIN" run "${STUDY[@]}" -r 1..4 -j 2 --out "$T/out" --quiet 2>"$T/mpi-r.stderr"
rc=$?
mv "$T/out" "$T/mpi-r" 2>/dev/null
if [ $rc -eq 0 ] && diff -r "$T/local-r" "$T/mpi-r" >/dev/null; then
    ok "mpirun -n 2 with -j 2 and -r 1..4 = the sequential run"
else
    bad "mpirun -n 2 -j 2 -r 1..4 differs (exit $rc)"; cat "$T/mpi-r.stderr"
fi

# 3. a failing run (a timeline value the chain refuses at point 1: runs 2..5 of 8 fail): the same
#    first error, the same exit status 2, the same run directories as sequentially
cp tests/run/study.ini "$T/fail.ini"
printf '\n[event e]\nat = 1000\naction = set\ntarget = subnet.s\nkey = max_registrations_per_block\nvalue = ${1, 70000}\n' >>"$T/fail.ini"
"$BIN" run "$T/fail.ini" --out "$T/out" --quiet 2>"$T/fail-local.stderr"
rc_local=$?
mv "$T/out" "$T/fail-local"
"${MPIRUN[@]}" "$BIN" run "$T/fail.ini" --out "$T/out" --quiet >/dev/null 2>"$T/fail-mpi.stderr"
rc=$?
mv "$T/out" "$T/fail-mpi" 2>/dev/null
if [ $rc_local -eq 2 ] && [ $rc -eq 2 ] && grep -qxF -f "$T/fail-local.stderr" "$T/fail-mpi.stderr" &&
   [ ! -e "$T/fail-mpi/run-0002" ] && [ ! -e "$T/fail-mpi/sweep.csv" ] &&
   diff -r "$T/fail-local/run-0000" "$T/fail-mpi/run-0000" >/dev/null &&
   diff -r "$T/fail-local/run-0001" "$T/fail-mpi/run-0001" >/dev/null; then
    ok "a failing study under mpirun: exit 2, the first error in run order, runs 0 and 1 kept, run 2 absent"
else
    bad "a failing study under mpirun (exit $rc, local $rc_local)"; cat "$T/fail-mpi.stderr"
fi

# 4. --resume under mpirun: an unfinished run (no summary.csv, a temporary) is redone, the rest kept
cp -r "$T/local" "$T/out"
rm "$T/out/run-0003/summary.csv" "$T/out/sweep.csv"
echo half >"$T/out/run-0004/.supply.csv.tmp"
"${MPIRUN[@]}" "$BIN" run "${STUDY[@]}" --resume --out "$T/out" >"$T/resume.stdout" 2>"$T/resume.stderr"
rc=$?
if [ $rc -eq 0 ] && diff -r "$T/local" "$T/out" >/dev/null && [ "$(grep -c 'skipped (--resume)' "$T/resume.stdout")" = 4 ]; then
    ok "--resume under mpirun: 4 runs skipped, 2 redone, the files of the uninterrupted study"
else
    bad "--resume under mpirun (exit $rc)"; cat "$T/resume.stderr"
fi

echo "sweep_mpi: $pass passed, $fail failed"
[ $fail -eq 0 ]
