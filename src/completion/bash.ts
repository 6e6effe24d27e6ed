// `director completion bash`: a completion function generated from the program's commands and
// options. Groups, hosts and projects are asked of director itself at completion time
// (`director completion --values group`), so they follow clients.conf and .director as they are.
import { flagsOf, type CompletionSpec, type OptionSpec, type ValueKind } from './spec.js';

/** The bash lines that fill COMPREPLY for a value of this kind. */
export function bashValue(kind: ValueKind): string {
  if (typeof kind === 'object') return `COMPREPLY=($(compgen -W '${kind.choices.join(' ')}' -- "$cur"))`;
  switch (kind) {
    case 'file':
      return 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))';
    case 'dir':
      return 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur"))';
    case 'shell':
      return `COMPREPLY=($(compgen -W 'bash zsh fish' -- "$cur"))`;
    case 'none':
      return 'COMPREPLY=()';
    default:
      return `COMPREPLY=($(compgen -W "$(_director_values ${kind})" -- "$cur"))`;
  }
}

const valued = (options: readonly OptionSpec[]) => options.filter((o) => o.value !== undefined);

export function bashScript(spec: CompletionSpec): string {
  const all = [...spec.globals, ...spec.commands.flatMap((c) => c.options)];
  const valueFlags = [...new Set(valued(all).flatMap(flagsOf))];
  // Options are read per command, so `-n` may mean different things in two commands.
  const valueCases = spec.commands
    .flatMap((c) => valued(c.options).map((o) => `      "${c.name}:${flagsOf(o).join(`"|"${c.name}:`)}") ${bashValue(o.value!)}; return ;;`))
    .concat(valued(spec.globals).map((o) => `      *:${flagsOf(o).join('|*:')}) ${bashValue(o.value!)}; return ;;`));
  const top = spec.commands.filter((c) => !c.name.includes(' ')).map((c) => c.name);
  const globalFlags = [...spec.globals.flatMap(flagsOf), '--help'].join(' ');
  const optionCases = spec.commands.map((c) => `      "${c.name}") opts="${[...c.options.flatMap(flagsOf), '--help'].join(' ')}" ;;`);
  const aliasCases = spec.commands.filter((c) => c.aliases.length > 0).map((c) => `          ${c.aliases.join('|')}) cmd=${c.name} ;;`);
  const nested = spec.commands.filter((c) => c.name.includes(' '));
  const parents = [...new Set(nested.map((c) => c.name.split(' ')[0]!))];
  const operandCases = spec.commands.flatMap((c) => c.operands.map((k, i) => `      "${c.name}:${i}") ${bashValue(k)} ;;`));
  const subCases = parents.map((p) => `      "${p}:"*) COMPREPLY=($(compgen -W '${nested.filter((c) => c.name.startsWith(`${p} `)).map((c) => c.name.slice(p.length + 1)).join(' ')}' -- "$cur")) ;;`);
  return `# director completion for bash. Load it with:  eval "$(director completion bash)"
# or save it as ~/.local/share/bash-completion/completions/director
_director_values() {
  local IFS=$'\\n'
  director completion --values "$1" -- "\${COMP_WORDS[@]:1:COMP_CWORD-1}" 2>/dev/null
}

_director() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local cmd="" n=0 skip="" dashdash="" i w
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    if [[ -n $skip ]]; then skip=""; continue; fi
    if [[ -z $dashdash ]]; then
      case $w in
        --) dashdash=1; continue ;;
        ${valueFlags.join('|')}) skip=1; continue ;;
        -*) continue ;;
      esac
    fi
    if [[ -z $cmd ]]; then
      cmd=$w
      case $cmd in
${aliasCases.join('\n')}
      esac
    elif ${parents.length > 0 ? `[[ ${parents.map((p) => `$cmd == ${p}`).join(' || ')} ]] && [[ $n == 0 ]]` : 'false'}; then
      cmd="$cmd $w"
    else
      n=$((n + 1))
    fi
  done
  if [[ -z $dashdash && -n $skip ]]; then
    case "$cmd:$prev" in
${valueCases.join('\n')}
    esac
  fi
  if [[ -z $dashdash && $cur == -* ]]; then
    local opts=""
    case $cmd in
${optionCases.join('\n')}
    esac
    COMPREPLY=($(compgen -W "$opts ${globalFlags}" -- "$cur"))
  elif [[ -z $cmd ]]; then
    COMPREPLY=($(compgen -W '${top.join(' ')}' -- "$cur"))
  else
    case "$cmd:$n" in
${subCases.join('\n')}
${operandCases.join('\n')}
      *) COMPREPLY=() ;;
    esac
  fi
}
complete -F _director director
`;
}
