# bash completion for strata: commands, options, and for goto, force,
# baseline, accept, stamp, upgrade and downgrade the versions found in the
# migrations directory (-p/--path DIR on the line, else $STRATA_PATH, else
# ./migrations), read when you press TAB. Installed by `make install`.

_strata_versions() {
	local dir=${STRATA_PATH:-migrations} i
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		-p | -path | --path | -dir | --dir) dir=${COMP_WORDS[i + 1]} ;;
		--path=* | -path=*) dir=${COMP_WORDS[i]#*=} ;;
		-source | --source) dir=${COMP_WORDS[i + 1]#file://} ;;
		esac
	done
	[ -d "$dir" ] || return 0
	local f v
	for f in "$dir"/*; do
		f=${f##*/}
		v=${f%%[!0-9-]*}
		v=${v%-}
		[ -n "$v" ] && printf '%s\n' "$v"
	done | sort -u
}

_strata() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local commands="up down goto redo status version validate create force
		baseline accept adopt drop history wait help upgrade downgrade current
		stamp heads new migrate rollback dump check test diff"
	local options="--database --path --config --env-file --table
		--single-transaction --lock-wait --lock-timeout --statement-timeout
		--lock-retries --targets --schemas --jobs --fail-fast --canary --backup
		--all --seq --digits --format --tz --limit --dry-run --sql --from
		--allow-modified --allow-out-of-order --ignore-other-tool --json --yes
		--no-color --quiet --verbose --help --version --exit-code --wait-timeout
		--lock --lease --dump --output --grants --scratch --scratch-setup
		--against --junit --parallel --to --down --allow-destructive --online
		--from-schema"
	local cmd= i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-d | -p | -c | -j | --database | --path | --config | --env-file | --table | \
			--lock-wait | --lock-timeout | --statement-timeout | --lock-retries | \
			--targets | --schemas | --jobs | --canary | --backup | --digits | \
			--format | --tz | --limit | --from | --wait-timeout | --lock | --lease | \
			-o | --output | --dump | --scratch | --scratch-setup | --against | --junit | \
			--parallel | --to | --from-schema) ((i++)) ;;
		-*) ;;
		*) if [ -z "$cmd" ]; then cmd=${COMP_WORDS[i]}; fi ;;
		esac
	done
	case $prev in
	-p | --path | --backup) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	-c | --config | --env-file | --targets | -o | --output | --dump | --scratch-setup | --against | --junit | \
		--from-schema)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--lock) COMPREPLY=($(compgen -W "auto advisory lease" -- "$cur")); return ;;
	--to) COMPREPLY=($(compgen -f -- "$cur")); return ;; # a directory, a .sql file or a database file
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$options" -- "$cur"))
		return
	fi
	case $cmd in
	"") COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
	help) COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
	goto | force | baseline | accept) COMPREPLY=($(compgen -W "$(_strata_versions)" -- "$cur")) ;;
	stamp | upgrade) COMPREPLY=($(compgen -W "head $(_strata_versions)" -- "$cur")) ;;
	downgrade) COMPREPLY=($(compgen -W "base -1 $(_strata_versions)" -- "$cur")) ;;
	esac
}

complete -F _strata strata
