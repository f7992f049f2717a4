# fish completion for strata: commands, options, and for goto, force,
# baseline, accept, stamp, upgrade and downgrade the versions found in the
# migrations directory (-p/--path DIR on the line, else $STRATA_PATH, else
# ./migrations), read when you press TAB. Installed by `make install`.

function __strata_versions
    set -l dir migrations
    set -q STRATA_PATH; and set dir $STRATA_PATH
    set -l words (commandline -opc)
    for i in (seq (count $words))
        switch $words[$i]
            case -p -path --path -dir --dir
                set -l j (math $i + 1)
                test $j -le (count $words); and set dir $words[$j]
            case '--path=*' '-path=*'
                set dir (string replace -r '^[^=]*=' '' -- $words[$i])
        end
    end
    test -d $dir; or return
    for f in $dir/*
        string match -qr '^(?<v>[0-9][0-9-]*[0-9]|[0-9])' -- (basename $f); and echo $v
    end | sort -u
end

set -l __strata_cmds up down goto redo status version validate create force baseline accept adopt drop history wait help upgrade downgrade current stamp heads new migrate rollback dump check test diff
complete -c strata -f
complete -c strata -n "not __fish_seen_subcommand_from $__strata_cmds" -a "$__strata_cmds"
complete -c strata -n "__fish_seen_subcommand_from goto force baseline accept" -a "(__strata_versions)"
complete -c strata -n "__fish_seen_subcommand_from stamp upgrade" -a "head (__strata_versions)"
complete -c strata -n "__fish_seen_subcommand_from downgrade" -a "base -1 (__strata_versions)"
complete -c strata -n "__fish_seen_subcommand_from help" -a "$__strata_cmds"
complete -c strata -s d -l database -r -d 'database URL'
complete -c strata -s p -l path -r -a '(__fish_complete_directories)' -d 'migrations directory'
complete -c strata -s c -l config -r -F -d 'config file'
complete -c strata -l env-file -r -F -d 'dotenv file'
complete -c strata -l table -r -d 'tracking table'
complete -c strata -l single-transaction -d 'one transaction for the batch'
complete -c strata -l lock-wait -r -d 'seconds to wait for the lock'
complete -c strata -l lock-timeout -r -d 'PostgreSQL lock_timeout'
complete -c strata -l statement-timeout -r -d 'PostgreSQL statement_timeout'
complete -c strata -l lock-retries -r -d 'retries after lock_timeout'
complete -c strata -l targets -r -F -d 'fleet: file of URLs'
complete -c strata -l schemas -r -d 'fleet: schema pattern'
complete -c strata -s j -l jobs -r -d 'fleet: parallel targets'
complete -c strata -l fail-fast -d 'fleet: stop after a failure'
complete -c strata -l canary -r -d 'fleet: migrate N first'
complete -c strata -l backup -r -a '(__fish_complete_directories)' -d 'back up first'
complete -c strata -l all -d 'down: every migration'
complete -c strata -l seq -d 'create: sequential number'
complete -c strata -l digits -r -d 'create --seq: digits'
complete -c strata -l format -r -d 'create: Go time layout'
complete -c strata -l tz -r -d 'create: time zone'
complete -c strata -l limit -r -d 'history: last N'
complete -c strata -l dry-run -d 'change nothing'
complete -c strata -l sql -d 'print the SQL script'
complete -c strata -l from -r -F -d 'adopt: table; --sql: version; diff: the schema to start from'
complete -c strata -l allow-modified -d 'accept changed files'
complete -c strata -l allow-out-of-order -d 'apply older pending'
complete -c strata -l ignore-other-tool -d "run on another tool's database"
complete -c strata -l json -d 'machine-readable output'
complete -c strata -s y -l yes -d 'answer yes'
complete -c strata -l no-color -d 'never colour'
complete -c strata -s q -l quiet -d 'errors only'
complete -c strata -s v -l verbose -d 'print more'
complete -c strata -s h -l help -d help
complete -c strata -l version -d 'print the version'
complete -c strata -l exit-code -d 'status: exit 1 when pending'
complete -c strata -l wait-timeout -r -d 'wait: give up after'
complete -c strata -l lock -r -a 'auto advisory lease' -d 'how runners exclude each other'
complete -c strata -l lease -r -d 'lease length'
complete -c strata -l dump -r -F -d 'rewrite this schema file after every run'
complete -c strata -s o -l output -r -F -d 'dump: write into FILE'
complete -c strata -l grants -d 'dump: privileges too'
complete -c strata -l scratch -r -d 'check, test: server for scratch databases'
complete -c strata -l scratch-setup -r -F -d 'check, test: SQL run in each scratch database'
complete -c strata -l against -r -F -d 'check: a schema file instead of the migrations'
complete -c strata -l junit -r -F -d 'test: JUnit XML report'
complete -c strata -l parallel -r -d 'test: scratch databases at once'
complete -c strata -l to -r -F -d 'diff: the schema to arrive at (URL, directory, .sql)'
complete -c strata -l down -d 'diff: the reverse plan too'
complete -c strata -l allow-destructive -d 'diff: print plans that lose data'
complete -c strata -l online -d 'diff: lock-aware PostgreSQL forms'
complete -c strata -l from-schema -r -F -d 'create: the up and down that reach this schema file'
