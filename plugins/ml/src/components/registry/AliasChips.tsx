import LockIcon from '@mui/icons-material/Lock';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import { MutedText } from '../common/MutedText';

/**
 * Aliases as chips, protected ones first; a protected alias
 * carries a lock: moving it takes an approved promotion request.
 *
 * @internal
 */
export function AliasChips(props: {
  aliases: Array<{ alias: string; version?: string }>;
  protectedAliases?: string[];
  emptyText?: string;
}) {
  const { aliases, protectedAliases = [], emptyText } = props;
  if (aliases.length === 0) {
    return emptyText ? <MutedText>{emptyText}</MutedText> : null;
  }
  const isProtected = (alias: string) => protectedAliases.includes(alias);
  const sorted = [...aliases].sort(
    (a, b) =>
      Number(isProtected(b.alias)) - Number(isProtected(a.alias)) ||
      a.alias.localeCompare(b.alias),
  );
  return (
    <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5 }}>
      {sorted.map(({ alias, version }) => {
        const locked = isProtected(alias);
        const label = version === undefined ? alias : `${alias} → v${version}`;
        return (
          <Chip
            key={alias}
            size="small"
            label={label}
            color={locked ? 'primary' : 'default'}
            variant={locked ? 'filled' : 'outlined'}
            icon={locked ? <LockIcon aria-label="protected" /> : undefined}
            title={
              locked
                ? `${alias} is protected: moving it takes an approved promotion request`
                : undefined
            }
          />
        );
      })}
    </Box>
  );
}
