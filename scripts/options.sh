# The command line of the bench scripts, sourced by each one after it has set its defaults (bash 4: the tables are
# associative arrays). A script lists the options that only set a variable in two tables:
#
#   value_options=([--work]=work [--seq-len]=seq_len)   # --work DIR sets $work
#   flag_options=([--keep]=keep)                        # --keep sets $keep to 1
#   parse_options "$@"
#
# A script with an option that does more keeps a case branch for it and hands the rest on:
#
#   while [[ $# -gt 0 ]]; do
#     case "$1" in
#       -D*) extra+=("$1"); shift ;;
#       *) take_option "$@"; shift "$taken" ;;
#     esac
#   done
#
# Either way -h/--help prints the script's opening comment, and an unknown option or one without its value stops the
# script with exit status 2, naming the script and the option.
declare -A value_options=() flag_options=()
taken=0

# Takes the option at $1 (and its value at $2) into its variable; sets taken to the number of arguments it used.
take_option() {
  if [[ -n "${value_options[$1]+set}" ]]; then
    [[ $# -ge 2 ]] || option_error "option $1 needs a value"
    printf -v "${value_options[$1]}" '%s' "$2"
    taken=2
  elif [[ -n "${flag_options[$1]+set}" ]]; then
    printf -v "${flag_options[$1]}" '%s' 1
    taken=1
  elif [[ "$1" == -h || "$1" == --help ]]; then
    # the comment block under the #! line is the script's usage
    awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"
    exit 0
  else
    option_error "unknown option $1"
  fi
}

parse_options() {
  while [[ $# -gt 0 ]]; do
    take_option "$@"
    shift "$taken"
  done
}

option_error() {
  echo "$(basename "$0" .sh): $1" >&2
  exit 2
}
