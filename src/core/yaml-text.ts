// YAML text → plain value, refusing what the yaml library only warns about (an unknown tag such as
// `depth: !k 5` would otherwise print a Node warning line and go on with a guess). Errors carry one
// line: the library's message goes on with the offending line and a caret under it, and its first
// line already says what and where ("… at line 1, column 4").
import { parseDocument } from 'yaml';

export function parseYamlText(text: string): unknown {
  const parsed = parseDocument(text);
  const problem = parsed.errors[0] ?? parsed.warnings[0];
  if (problem !== undefined) throw new Error(problem.message.split('\n')[0].replace(/:$/, ''));
  return parsed.toJS();
}
