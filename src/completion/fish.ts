// `director completion fish`: `complete` lines generated from the program; a small function
// finds the command on the line (option values skipped), and groups, hosts and projects are
// asked of director at completion time.
import { flagsOf, type CompletionSpec, type OptionSpec, type ValueKind } from './spec.js';

const quoted = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function fishValue(kind: ValueKind): string {
  if (typeof kind === 'object') return `-x -a ${quoted(kind.choices.join(' '))}`;
  switch (kind) {
    case 'file':
      return '-r -F';
    case 'dir':
      return `-x -a '(__fish_complete_directories)'`;
    case 'shell':
      return `-x -a 'bash zsh fish'`;
    case 'none':
      return '-x';
    default:
      return `-x -a '(__director_values ${kind})'`;
  }
}

function fishOption(o: OptionSpec, condition: string): string {
  const flags = [o.short ? `-s ${o.short.slice(1)}` : '', o.long ? `-l ${o.long.slice(2)}` : ''].filter((f) => f !== '');
  const value = o.value === undefined ? '' : ` ${fishValue(o.value)}`;
  return `complete -c director${condition} ${flags.join(' ')}${value} -d ${quoted(o.description)}`;
}

export function fishScript(spec: CompletionSpec): string {
  const valued = [...new Set([...spec.globals, ...spec.commands.flatMap((c) => c.options)].filter((o) => o.value !== undefined).flatMap(flagsOf))];
  const top = spec.commands.filter((c) => !c.name.includes(' '));
  const parents = [...new Set(spec.commands.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!))];
  const aliases = spec.commands.filter((c) => c.aliases.length > 0).map((c) => `      case ${c.aliases.join(' ')}\n        set cmd ${c.name}`);
  const lines = [
    ...spec.globals.map((o) => fishOption(o, '')),
    ...top.map((c) => `complete -c director -n '__director_at command' -a ${c.name} -d ${quoted(c.description)}`),
    ...parents.flatMap((p) =>
      spec.commands.filter((c) => c.name.startsWith(`${p} `)).map((c) => `complete -c director -n '__director_at "${p}" 0' -a ${c.name.slice(p.length + 1)} -d ${quoted(c.description)}`),
    ),
    ...spec.commands.flatMap((c) => c.options.map((o) => fishOption(o, ` -n '__director_in "${c.name}"'`))),
    ...spec.commands.flatMap((c) => c.operands.map((k, i) => `complete -c director -n '__director_at "${c.name}" ${i}' ${fishValue(k).replace(/^-r /, '')}`)),
  ];
  return `# director completion for fish. Load it with:  director completion fish | source
# or save it as ~/.config/fish/completions/director.fish
function __director_values
    director completion --values $argv[1] -- (commandline -opc)[2..-1] 2>/dev/null
end

# Prints the command on the line so far ("-" if none yet) and how many operands follow it.
function __director_line
    set -l words (commandline -opc)
    set -e words[1]
    set -l cmd -
    set -l n 0
    set -l skip 0
    set -l dashdash 0
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        if test $dashdash = 0
            if test "$w" = --
                set dashdash 1
                continue
            end
            if contains -- $w ${valued.join(' ')}
                set skip 1
                continue
            end
            if string match -q -- '-*' $w
                continue
            end
        end
        if test "$cmd" = -
            set cmd $w
            switch $cmd
${aliases.join('\n')}
            end
        else if contains -- "$cmd" ${parents.join(' ')}; and test $n = 0
            set cmd "$cmd $w"
        else
            set n (math $n + 1)
        end
    end
    echo $cmd
    echo $n
end

# __director_in CMD: the line is inside CMD.  __director_at CMD N: completing CMD's operand N
# (CMD "command": no command yet).
function __director_in
    set -l at (__director_line)
    test "$at[1]" = "$argv[1]"
end

function __director_at
    set -l at (__director_line)
    if test "$argv[1]" = command
        test "$at[1]" = -
        return
    end
    test "$at[1]" = "$argv[1]"; and test "$at[2]" = "$argv[2]"
end

complete -c director -f
${lines.join('\n')}
`;
}
