import { useApi } from '@backstage/frontend-plugin-api';
import { ModelReadiness } from '@ml-portal/plugin-ml-common';
import Typography from '@mui/material/Typography';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { Loaded } from '../common/Loaded';
import { ReadinessChecks } from './ReadinessChecks';

/** `7 of 10 checks pass for version 3`. */
function scoreLine(readiness: ModelReadiness): string {
  const judged = readiness.version
    ? ` for version ${readiness.version}`
    : ' (no version yet)';
  return `${readiness.passed} of ${readiness.total} checks pass${judged}`;
}

/**
 * A model's production-readiness scorecard as the backend computes it now: its
 * score, then each check with its fact and fix.
 *
 * @internal
 */
export function ReadinessScorecard(props: { name: string }) {
  const { name } = props;
  const mlApi = useApi(mlApiRef);
  const readiness = useAsync(
    () => mlApi.getModelReadiness(name),
    [mlApi, name],
  );
  return (
    <Loaded state={readiness} errorTitle="Could not load the readiness checks">
      {card => (
        <>
          <Typography variant="subtitle1" gutterBottom>
            {scoreLine(card)}
          </Typography>
          <ReadinessChecks checks={card.checks} />
        </>
      )}
    </Loaded>
  );
}
