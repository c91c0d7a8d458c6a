# fish completion for perf (perfsuite) and its perf-APPLET links.
#
# To add an applet: add its name and summary to the two lists below and
# write __perf_complete_NAME, taking the command to complete and the
# condition under which its options apply, with the options of
# "perf NAME --help".  The loop at the end registers everything.

set -g __perf_applets compare
set -g __perf_applet_summaries 'compare two JMH result files and flag regressions'

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
