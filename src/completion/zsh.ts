// `director completion zsh`: an _arguments-based completion with each option's description,
// generated from the program; groups, hosts and projects asked of director at completion time.
import { flagsOf, type CompletionSpec, type OptionSpec, type ValueKind } from './spec.js';

/** Text inside a single-quoted zsh word, and inside _arguments' [description]. */
const quoted = (s: string) => s.replace(/'/g, `'\\''`);
const described = (s: string) => quoted(s.replace(/\\/g, '\\\\').replace(/([[\]:])/g, '\\$1'));

function zshAction(kind: ValueKind): string {
  if (typeof kind === 'object') return `(${kind.choices.join(' ')})`;
  switch (kind) {
    case 'file':
      return '_files';
    case 'dir':
      return '_files -/';
    case 'shell':
      return '(bash zsh fish)';
    case 'none':
      return ' ';
    default:
      return `_director_values ${kind}`;
  }
}

/** One _arguments spec: `'(-t --timeout)'{-t,--timeout}'[limit]:value:action'`. */
export function zshOption(o: OptionSpec): string {
  const flags = flagsOf(o);
  const tail = `[${described(o.description)}]${o.value === undefined ? '' : `:${quoted(flags[flags.length - 1]!.replace(/^-+/, ''))}:${quoted(zshAction(o.value))}`}`;
  if (flags.length === 1) return `'${flags[0]}${tail}'`;
  return `'(${flags.join(' ')})'{${flags.join(',')}}'${tail}'`;
}

export function zshScript(spec: CompletionSpec): string {
  const globals = spec.globals.map(zshOption);
  const top = spec.commands.filter((c) => !c.name.includes(' '));
  const describedCmds = top.flatMap((c) => [c.name, ...c.aliases].map((n) => `'${n}:${described(c.description)}'`));
  const cases = spec.commands
    .filter((c) => !spec.commands.some((d) => d.name.startsWith(`${c.name} `)))
    .map((c) => {
      const operands = c.operands.map((k, i) => `'${i + 1}:${quoted(typeof k === 'string' ? k : 'value')}:${quoted(zshAction(k))}'`);
      const names = [c.name, ...c.aliases].map((n) => (n.includes(' ') ? `'${n}'` : n)).join('|');
      return `    ${names})\n      _arguments -s $globals ${[...c.options.map(zshOption), ...operands].join(' ')} && ret=0 ;;`;
    });
  const parents = [...new Set(spec.commands.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!))];
  const parentCases = parents.map((p) => {
    const subs = spec.commands.filter((c) => c.name.startsWith(`${p} `)).map((c) => `'${c.name.slice(p.length + 1)}:${described(c.description)}'`);
    return `    ${p})\n      if (( CURRENT == 2 )); then\n        local -a subs; subs=(${subs.join(' ')})\n        _describe -t commands '${p} command' subs && ret=0\n      else\n        words=("${p} $words[2]" "\${(@)words[3,-1]}"); (( CURRENT-- ))\n        _director_command && ret=0\n      fi ;;`;
  });
  return `#compdef director
# director completion for zsh. Load it with:  source <(director completion zsh)
# or save it as _director in a folder of your $fpath.
# _arguments calls an action with compadd options first (-J group…): the kind comes last.
_director_values() {
  local kind=$argv[-1]
  argv[-1]=()
  local -a values
  values=(\${(f)"$(director completion --values $kind -- \${(@)words[2,CURRENT-1]} 2>/dev/null)"})
  compadd "$@" -a values
}

_director_command() {
  local ret=1
  case $words[1] in
${cases.join('\n')}
${parentCases.join('\n')}
  esac
  return ret
}

_director() {
  local curcontext="$curcontext" state line ret=1
  local -a globals
  globals=(${globals.join(' \\\n    ')} '(- *)--help[show help]')
  _arguments -C -s $globals '1:command:->command' '*::arguments:->arguments' && ret=0
  case $state in
    command)
      local -a commands
      commands=(${describedCmds.join(' ')})
      _describe -t commands 'director command' commands && ret=0 ;;
    arguments)
      _director_command && ret=0 ;;
  esac
  return ret
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _director "$@"
else
  compdef _director director
fi
`;
}
