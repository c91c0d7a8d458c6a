# fish completion for perf (perfsuite) and its perf-APPLET links.
#
# To add an applet: add its name and summary to the two lists below and
# write __perf_complete_NAME, taking the command to complete and the
# condition under which its options apply, with the options of
# "perf NAME --help".  The loop at the end registers everything.

set -g __perf_applets compare bisect respond weekly alert
set -g __perf_applet_summaries 'compare two JMH result files and flag regressions' \
    'find the commit behind a regression: rank suspects or bisect by running' \
    'open or update a GitHub issue for a regression, roll back if critical' \
    'write the weekly performance report from the history file' \
    'evaluate alert rules on live metrics and notify, or monitor'

# Print the applet being completed: from a perf-APPLET (or any NAME-APPLET)
# command name, or the first word after the command that is not an option.
function __perf_applet
    set -l words (commandline -opc)
    set -l name (string replace -r '.*/' '' -- $words[1])
    set -l tail (string replace -r '.*-' '' -- $name)
    if test "$tail" != "$name"; and contains -- $tail $__perf_applets
        echo $tail
        return 0
    end
    for w in $words[2..-1]
        if not string match -q -- '-*' $w
            echo $w
            return 0
        end
    end
    return 1
end

function __perf_needs_applet
    not __perf_applet >/dev/null
end

function __perf_using_applet --argument-names applet
    set -l a (__perf_applet)
    and test "$a" = "$applet"
end

# True when the word being completed may be a file argument: it does not
# start with "-", or "--" came before it.
function __perf_positional
    set -l token (commandline -ct)
    not string match -q -- '-*' "$token"
    or contains -- -- (commandline -opc)
end

# perf compare [OPTION]... BASELINE CURRENT
function __perf_complete_compare --argument-names cmd cond
    complete -c $cmd -n $cond -s f -l format -x -a 'text markdown json junit github' -d 'report format'
    complete -c $cmd -n $cond -s o -l output -r -F -d 'write the report to FILE, atomically'
    complete -c $cmd -n $cond -s c -l config -r -F -d 'YAML config file'
    complete -c $cmd -n $cond -s l -l level -x -a 'commit\t"2 percent" pr\t"5 percent" release\t"0 percent, significance alone"' -d 'threshold for the kind of change'
    complete -c $cmd -n $cond -s t -l threshold -x -d 'regression threshold in percent (default 5)'
    complete -c $cmd -n $cond -s a -l alpha -x -d 'significance level, false discovery rate (default 0.05)'
    complete -c $cmd -n $cond -s F -l filter -x -d 'compare only benchmarks whose label matches the regex'
    complete -c $cmd -n $cond -l no-secondary -d 'compare primary metrics only'
    complete -c $cmd -n $cond -l show-stable -d 'list stable benchmarks in the text report too'
    complete -c $cmd -n $cond -l color -x -a 'auto always never' -d 'colour the text report'
    complete -c $cmd -n $cond -s q -l quiet -d 'no warnings'
    complete -c $cmd -n $cond -s v -l verbose -d 'say more about what is compared and why'
    complete -c $cmd -n $cond -s h -l help -d 'print the help and exit'
    # BASELINE and CURRENT: JMH -rf json files first, then the rest.
    complete -c $cmd -n "$cond; and __perf_positional" -k -a '(__fish_complete_suffix .json)'
end

# The workflow names of .github/workflows (GitHub names a workflow by its
# file name), for respond --rollback-workflow.
function __perf_workflows
    for f in .github/workflows/*.yml .github/workflows/*.yaml
        string replace -r '.*/' '' -- $f
    end
end

# True when the positional argument being completed is respond's Nth
# (TYPE SEVERITY CURRENT BASELINE), counting the words after the applet
# that are neither options nor option values; false with --from.
function __perf_respond_arg --argument-names n
    set -l words (commandline -opc)
    set -l name (string replace -r '.*/' '' -- $words[1])
    set -l skip 1
    if not string match -q -- '*-respond' $name
        # perf [TOP-OPTION]... respond: skip to the applet.
        for i in (seq 2 (count $words))
            if not string match -q -- '-*' $words[$i]
                set skip $i
                break
            end
        end
    end
    set -l count 0
    set -l value 0
    set -l dashdash 0
    for w in $words[(math $skip + 1)..-1]
        if test $dashdash = 1
            set count (math $count + 1)
        else if test $value = 1
            set value 0
        else if test "$w" = --
            set dashdash 1
        else if string match -qr -- '^(--fr|-F|-[nqv]+F)' $w
            return 1
        else if string match -qr -- '^--(critical-above|high-above|repo|rollback-workflow|ref|history|format|timeout|retries|rate-limit-wait)$' $w
            set value 1
        else if string match -qr -- '^-[nqv]*[Rf]$' $w
            set value 1
        else if string match -q -- '-?*' $w
        else
            set count (math $count + 1)
        end
    end
    test $count = (math $n - 1)
end

# perf bisect [--repo DIR] --date DATE [OPTION]...
# perf bisect [--repo DIR] --good REV --bad REV --run CMD [OPTION]...
function __perf_complete_bisect --argument-names cmd cond
    complete -c $cmd -n $cond -s r -l repo -x -a '(__fish_complete_directories)' -d 'the repository (default: the current directory)'
    complete -c $cmd -n $cond -s d -l date -x -d 'when the regression showed: YYYY-MM-DD or RFC 3339'
    complete -c $cmd -n $cond -l before -x -d 'window start before DATE (default 7d)'
    complete -c $cmd -n $cond -l after -x -d 'window end after DATE (default 1d)'
    complete -c $cmd -n $cond -l rev -x -d 'walk from REV instead of HEAD'
    complete -c $cmd -n $cond -s m -l metric -x -a 'memory_usage chunk_loading_time cache_hit_ratio tps_stability' -d 'weight the words related to the metric'
    complete -c $cmd -n $cond -s k -l keywords -x -d 'comma-separated message keywords (replace the defaults)'
    complete -c $cmd -n $cond -s p -l paths -x -d 'comma-separated path patterns (replace the defaults)'
    complete -c $cmd -n $cond -s c -l config -r -F -d 'YAML config with a bisect: section (keywords, paths)'
    complete -c $cmd -n $cond -s n -l top -x -d 'show the N best suspects (default 10, 0 for all)'
    complete -c $cmd -n $cond -l good -x -d 'run mode: a commit known to be good'
    complete -c $cmd -n $cond -l bad -x -d 'run mode: a commit known to be bad'
    complete -c $cmd -n $cond -l run -x -d 'run mode: shell command, exit 0 good, 125 skip, 1-124 bad'
    complete -c $cmd -n $cond -l compare -r -F -d 'run mode: CMD prints JMH JSON, judged against BASELINE'
    complete -c $cmd -n $cond -s f -l format -x -a 'text json' -d 'report format'
    complete -c $cmd -n $cond -s o -l output -r -F -d 'write the report to FILE, atomically'
    complete -c $cmd -n $cond -s q -l quiet -d 'no warnings or progress'
    complete -c $cmd -n $cond -s v -l verbose -d 'say more about the walk and the score'
    complete -c $cmd -n $cond -s h -l help -d 'print the help and exit'
end

# perf respond [OPTION]... TYPE SEVERITY CURRENT BASELINE
# perf respond [OPTION]... --from FILE
function __perf_complete_respond --argument-names cmd cond
    complete -c $cmd -n $cond -s F -l from -r -F -d "respond to every regression in FILE, from 'perf compare --format json'"
    complete -c $cmd -n $cond -l critical-above -x -d 'with --from: a change above PCT percent is critical (default 25)'
    complete -c $cmd -n $cond -l high-above -x -d 'with --from: a change above PCT percent is high (default 10)'
    complete -c $cmd -n $cond -s R -l repo -x -d 'the repository, OWNER/NAME (default $GITHUB_REPOSITORY)'
    complete -c $cmd -n $cond -l rollback-workflow -x -a '(__perf_workflows)' -d 'workflow dispatched for a critical regression in production'
    complete -c $cmd -n $cond -l ref -x -d 'the ref the rollback runs on (default the default branch)'
    complete -c $cmd -n $cond -l history -r -F -d 'history file (default $PERF_HISTORY, else perf-history.jsonl)'
    complete -c $cmd -n $cond -l no-history -d 'do not record the event'
    complete -c $cmd -n $cond -s n -l dry-run -d 'print the requests that would be sent and send nothing'
    complete -c $cmd -n $cond -s f -l format -x -a 'text json' -d 'output format'
    complete -c $cmd -n $cond -l timeout -x -d 'time allowed for each request in seconds (default 30)'
    complete -c $cmd -n $cond -l retries -x -d 'further attempts after a failed request (default 3)'
    complete -c $cmd -n $cond -l rate-limit-wait -x -d 'longest wait in seconds for a rate limit to lift (default 60)'
    complete -c $cmd -n $cond -s q -l quiet -d 'no warnings'
    complete -c $cmd -n $cond -s v -l verbose -d 'say which requests are made'
    complete -c $cmd -n $cond -s h -l help -d 'print the help and exit'
    # SEVERITY, the second positional argument.
    complete -c $cmd -n "$cond; and __perf_positional; and __perf_respond_arg 2" -a 'critical\t"issue labelled critical, rollback in production" high\t"issue labelled high-priority" medium\t"issue labelled performance, regression"'
end

# perf weekly [OPTION]...
function __perf_complete_weekly --argument-names cmd cond
    complete -c $cmd -n $cond -l history -r -F -d 'the history, JSON Lines (default $PERF_HISTORY, else perf-history.jsonl)'
    complete -c $cmd -n $cond -s w -l week-start -x -d "the week's first day, YYYY-MM-DD (UTC)"
    complete -c $cmd -n $cond -s f -l format -x -a 'html markdown json' -d 'report format'
    complete -c $cmd -n $cond -s o -l output -r -F -d 'write the report to FILE, atomically'
    complete -c $cmd -n $cond -s t -l threshold -x -d 'a change beyond PCT percent is a regression or an improvement (default 5)'
    complete -c $cmd -n $cond -l title -x -d "the report's title"
    complete -c $cmd -n $cond -s q -l quiet -d 'no warnings'
    complete -c $cmd -n $cond -s v -l verbose -d 'say more about what is read'
    complete -c $cmd -n $cond -s h -l help -d 'print the help and exit'
end

# perf alert --rules FILE [--metrics FILE|URL|-] [OPTION]...
# perf alert --rules FILE --watch SECONDS --source FILE|URL... [OPTION]...
function __perf_complete_alert --argument-names cmd cond
    complete -c $cmd -n $cond -s r -l rules -r -F -d 'the rules (performance_alerts.yml format)'
    complete -c $cmd -n $cond -s m -l metrics -r -F -d 'the metrics snapshot, a JSON object (- for stdin)'
    complete -c $cmd -n $cond -s b -l baseline -r -F -d 'the baseline snapshot for threshold_percent rules'
    complete -c $cmd -n $cond -s B -l baseline-window -x -d 'baseline: the median over the last DUR (7d, 12h) of the history'
    complete -c $cmd -n $cond -s s -l state -r -F -d 'remember what was notified (no repeats across runs)'
    complete -c $cmd -n $cond -s H -l history -r -F -d 'the history file (default $PERF_HISTORY, else perf-history.jsonl)'
    complete -c $cmd -n $cond -s w -l watch -x -d 'monitor: poll, record, evaluate every SECONDS'
    complete -c $cmd -n $cond -s S -l source -r -F -d 'a metrics source to poll, FILE or URL (repeatable)'
    complete -c $cmd -n $cond -s n -l cycles -x -d 'with --watch, stop after N cycles'
    complete -c $cmd -n $cond -s f -l format -x -a 'text json' -d 'output format'
    complete -c $cmd -n $cond -l dry-run -d 'evaluate and show what would be sent; send nothing'
    complete -c $cmd -n $cond -s t -l timeout -x -d 'timeout of each delivery attempt in seconds (default 10)'
    complete -c $cmd -n $cond -l retries -x -d 'retries of a failing delivery (default 3)'
    complete -c $cmd -n $cond -s q -l quiet -d 'no warnings'
    complete -c $cmd -n $cond -s v -l verbose -d 'say what is sent where'
    complete -c $cmd -n $cond -s h -l help -d 'print the help and exit'
end

for cmd in perf perfsuite
    complete -c $cmd -f
    complete -c $cmd -n __perf_needs_applet -l list -d 'print the applet names'
    complete -c $cmd -n __perf_needs_applet -s V -l version -d 'print the version'
    complete -c $cmd -n __perf_needs_applet -s h -l help -d 'print the usage and the applets'
    for i in (seq (count $__perf_applets))
        complete -c $cmd -n __perf_needs_applet -a $__perf_applets[$i] -d $__perf_applet_summaries[$i]
    end
    complete -c $cmd -n '__perf_using_applet help' -a "$__perf_applets"
    for a in $__perf_applets
        __perf_complete_$a $cmd "__perf_using_applet $a"
    end
end
for a in $__perf_applets
    complete -c perf-$a -f
    __perf_complete_$a perf-$a true
end
