#!/usr/bin/env bash
# Argument checks sourced by tools/dist_*.sh and tools/slurm_*.sh: a bad call
# prints one `error:` line and the script's usage, then exits 1, before
# anything is launched. The caller sets USAGE.

die() {
    echo "error: $1" >&2
    echo "$USAGE" >&2
    exit 1
}

# require_args "NAME1 NAME2 ..." "$@": one positional argument per name
require_args() {
    local names=($1)
    shift
    [ "$#" -ge "${#names[@]}" ] || die "missing ${names[*]:$#}"
}

# require_count NAME VALUE: VALUE is a positive integer
require_count() {
    [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, got '$2'"
}
