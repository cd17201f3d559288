import { InputError } from '@backstage/errors';

/** Words the shell reads as themselves, left unquoted for readability. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** Azure ML replaces `${{inputs.x}}`/`${{outputs.x}}` in the command before the shell runs it. */
const AZUREML_TEMPLATE = '${{';

/**
 * The command line of an Azure ML command job for an argument vector. A command job takes
 * one string that Azure ML runs with a shell, so every argument that is not a plain word
 * is single-quoted (`'` as `'"'"'`) and reaches the program exactly as given. Azure ML
 * expands `${{...}}` templates before the shell runs, whatever the quoting, so an
 * argument containing one is refused.
 *
 * @public
 */
export function toCommandLine(command: string[]): string {
  if (command.length === 0) {
    throw new InputError(
      'The azureml target needs a command: an Azure ML command job has no default entrypoint',
    );
  }
  return command
    .map((arg, index) => {
      if (arg.includes(AZUREML_TEMPLATE)) {
        throw new InputError(
          `Command item ${index} contains '\${{', which Azure ML would replace as a template`,
        );
      }
      return SAFE_WORD.test(arg) ? arg : `'${arg.replace(/'/g, `'"'"'`)}'`;
    })
    .join(' ');
}
