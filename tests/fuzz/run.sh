#!/usr/bin/env bash
# tests/fuzz/run.sh [--seconds N] [--runs N] [--replay-only] [--jobs J] [--target NAME ...]
#
# Builds the libFuzzer targets into build-fuzz/ (repository root), replays every
# committed seed corpus once (-runs=0), then fuzzes each target for N seconds
# (default 20) with -timeout=10 -rss_limit_mb=2048.  New inputs go to a temporary
# working corpus, so the committed seeds never change; crash/leak/timeout inputs
# are kept under build-fuzz/artifacts/<target>/ and logs under build-fuzz/logs/.
#
# Prints, per target, "execs, corpus size, result", then "N passed, N failed"; a
# target passes when neither its replay nor its fuzzing run crashed.  Exits
# non-zero when any target failed (or the build did).
#
#   --seconds N     fuzzing time per target (long mode: --seconds 1200)
#   --runs N        also stop a target after N executions (long mode: --runs 10000000),
#                   whichever of the two limits comes first
#   --replay-only   only build and replay the seed corpora
#   --jobs J        run J targets at once (default 1; each uses one core)
#   --target NAME   only this target (repeatable; with or without the fuzz_ prefix)
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/build-fuzz"
SECS=20
RUNS=-1
REPLAY_ONLY=0
JOBS=1
ALL_TARGETS=(fuzz_jwt fuzz_jwks fuzz_cookie fuzz_query fuzz_return_path fuzz_session_record
             fuzz_token_response fuzz_claims fuzz_json fuzz_bearer_header fuzz_form fuzz_identity_response)
# Targets whose input is JSON get json.dict merged into their own dictionary.
JSON_TARGETS=" fuzz_identity_response fuzz_jwt fuzz_jwks fuzz_session_record fuzz_token_response fuzz_claims fuzz_json "
TARGETS=()

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) SECS="${2:?--seconds needs a number}"; shift 2 ;;
        --seconds=*) SECS="${1#*=}"; shift ;;
        --runs) RUNS="${2:?--runs needs a number}"; shift 2 ;;
        --runs=*) RUNS="${1#*=}"; shift ;;
        --replay-only) REPLAY_ONLY=1; shift ;;
        --jobs) JOBS="${2:?--jobs needs a number}"; shift 2 ;;
        --jobs=*) JOBS="${1#*=}"; shift ;;
        --target) t="${2:?--target needs a name}"; TARGETS+=("fuzz_${t#fuzz_}"); shift 2 ;;
        --target=*) t="${1#*=}"; TARGETS+=("fuzz_${t#fuzz_}"); shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
case "$SECS" in ''|*[!0-9]*) echo "run.sh: --seconds wants a whole number" >&2; exit 2 ;; esac
case "$RUNS" in -1) ;; ''|*[!0-9]*) echo "run.sh: --runs wants a whole number" >&2; exit 2 ;; esac
case "$JOBS" in ''|*[!0-9]*|0) echo "run.sh: --jobs wants a positive number" >&2; exit 2 ;; esac
[ "${#TARGETS[@]}" -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")
for t in "${TARGETS[@]}"; do
    case " ${ALL_TARGETS[*]} " in *" $t "*) ;; *) echo "run.sh: no target $t" >&2; exit 2 ;; esac
done

mkdir -p "$OUT"
echo "==== build ($OUT)"
if ! "$HERE/build.sh" "$OUT" >"$OUT/build.log" 2>&1; then
    cat "$OUT/build.log"
    echo "build failed"
    echo "0 passed, ${#TARGETS[@]} failed"
    exit 1
fi

mkdir -p "$OUT/dict" "$OUT/logs" "$OUT/results"
rm -f "$OUT"/results/*
dict_arg() { # target → "-dict=..." or nothing
    local t="$1" base="${1#fuzz_}" d="$OUT/dict/$1.dict"
    : >"$d"
    case "$JSON_TARGETS" in *" $t "*) cat "$HERE/dict/json.dict" >>"$d" ;; esac
    [ "$base" != json ] && [ -f "$HERE/dict/$base.dict" ] && cat "$HERE/dict/$base.dict" >>"$d"
    [ -s "$d" ] && printf -- '-dict=%s' "$d"
}

# Sanitizer report → a one-word result.
classify() { # logfile
    if grep -q 'ERROR: libFuzzer: timeout' "$1"; then echo timeout
    elif grep -q 'ERROR: libFuzzer: out-of-memory' "$1"; then echo out-of-memory
    elif grep -q 'ERROR: LeakSanitizer' "$1"; then echo LEAK
    elif grep -q 'FUZZ PROPERTY VIOLATED' "$1"; then echo PROPERTY-VIOLATED
    elif grep -q 'runtime error:' "$1"; then echo UNDEFINED-BEHAVIOUR
    elif grep -q 'ERROR: AddressSanitizer' "$1"; then echo "CRASH($(grep -m1 -o 'AddressSanitizer: [a-z-]*' "$1" | cut -d' ' -f2))"
    else echo CRASH
    fi
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cognito-fuzz-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# One target: replay, then fuzz; writes "status<TAB>line" to results/<target>.
run_target() {
    local t="$1" bin="$OUT/$1" seeds="$HERE/corpus/$1" art="$OUT/artifacts/$1" dict rlog flog rc
    dict="$(dict_arg "$t")"
    mkdir -p "$art" "$seeds"
    rlog="$OUT/logs/$t.replay.log"
    # shellcheck disable=SC2086
    "$bin" -runs=0 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$art/" $dict "$seeds" >"$rlog" 2>&1
    rc=$?
    local nseeds
    nseeds=$(find "$seeds" -type f | wc -l)
    if [ $rc -ne 0 ]; then
        printf 'fail\t%-20s replay of %s seeds: %s: %s (log %s)\n' "$t" "$nseeds" "$(classify "$rlog")" \
            "$(grep -o "Test unit written to .*" "$rlog" | tail -1 | sed "s|$ROOT/||")" "${rlog#"$ROOT"/}" \
            >"$OUT/results/$t"
        return
    fi
    if [ "$REPLAY_ONLY" = 1 ]; then
        printf 'pass\t%-20s replay of %s seeds: ok\n' "$t" "$nseeds" >"$OUT/results/$t"
        return
    fi
    flog="$OUT/logs/$t.fuzz.log"
    mkdir -p "$WORK/$t"
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$SECS" -runs="$RUNS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$art/" $dict "$WORK/$t" "$seeds" >"$flog" 2>&1
    rc=$?
    local execs rate corpus result
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$flog" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$flog" | tail -1)
    corpus=$(grep -o 'corp: [0-9]*' "$flog" | tail -1 | cut -d' ' -f2)
    if [ $rc -eq 0 ]; then
        result=ok
    else
        result="$(classify "$flog"): $(grep -o "Test unit written to .*" "$flog" | tail -1 | sed "s|$ROOT/||") (log ${flog#"$ROOT"/})"
    fi
    printf '%s\t%-20s execs %s (%s/s), corpus %s, result %s\n' "$([ $rc -eq 0 ] && echo pass || echo fail)" \
        "$t" "${execs:-?}" "${rate:-?}" "${corpus:-?}" "$result" >"$OUT/results/$t"
}

if [ "$REPLAY_ONLY" = 1 ]; then
    echo "==== replay seed corpora"
else
    echo "==== replay seed corpora, then fuzz each target for ${SECS}s (jobs: $JOBS)"
fi
running=0
for t in "${TARGETS[@]}"; do
    if [ "$JOBS" -le 1 ]; then
        run_target "$t"
        cut -f2- "$OUT/results/$t"
    else
        run_target "$t" &
        running=$((running + 1))
        if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
    fi
done
wait
passed=0
failed=0
[ "$JOBS" -le 1 ] || for t in "${TARGETS[@]}"; do cut -f2- "$OUT/results/$t"; done
for t in "${TARGETS[@]}"; do
    if [ "$(cut -f1 "$OUT/results/$t" 2>/dev/null)" = pass ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
