import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Grid from '@mui/material/Grid';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { GpuPrice } from '@ml-portal/plugin-ml-common';
import { useId, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { buildVsBuy, BuildVsBuyInput, HOURS_PER_MONTH } from './buildVsBuy';
import { formatMoney, parseUsd, usdInputValue } from './money';

const tokens = new Intl.NumberFormat('en-US', {
  notation: 'compact',
  maximumFractionDigits: 1,
});

type Fields = {
  tokensPerDay: string;
  apiPrice: string;
  gpuHour?: string;
  gpusPerReplica: string;
  replicas: string;
  throughput: string;
};

const initialFields: Fields = {
  tokensPerDay: '50000000',
  apiPrice: '1.00',
  gpusPerReplica: '1',
  replicas: '2',
  throughput: '1500',
};

function priceLabel(price: GpuPrice): string {
  return (
    price.pool ??
    ([price.provider, price.gpuType, price.region]
      .filter(Boolean)
      .join(' · ') ||
      'default')
  );
}

const count = (text: string, min: number) => {
  const value = Number(text);
  return text.trim() !== '' && Number.isInteger(value) && value >= min
    ? value
    : undefined;
};
const positive = (text: string) => {
  const value = Number(text);
  return text.trim() !== '' && Number.isFinite(value) && value > 0
    ? value
    : undefined;
};
const nonNegative = (text: string) => {
  const value = Number(text.replace(/,/g, ''));
  return text.trim() !== '' && Number.isFinite(value) && value >= 0
    ? value
    : undefined;
};

/** Which calculator input each form field feeds. */
const inputKey: Record<keyof Fields, keyof BuildVsBuyInput> = {
  tokensPerDay: 'tokensPerDay',
  apiPrice: 'apiMicrosPerMillionTokens',
  gpuHour: 'gpuHourMicros',
  gpusPerReplica: 'gpusPerReplica',
  replicas: 'replicas',
  throughput: 'tokensPerSecondPerReplica',
};

/** The form's fields as the calculator's input, and what is wrong with each field that is not. */
function parseFields(fields: Fields & { gpuHour: string }) {
  const values = {
    tokensPerDay: nonNegative(fields.tokensPerDay),
    apiMicrosPerMillionTokens: parseUsd(fields.apiPrice),
    gpuHourMicros: parseUsd(fields.gpuHour),
    gpusPerReplica: count(fields.gpusPerReplica, 1),
    replicas: count(fields.replicas, 1),
    tokensPerSecondPerReplica: positive(fields.throughput),
  };
  const invalid = Object.entries(values)
    .filter(([, value]) => value === undefined)
    .map(([key]) => key);
  return {
    input: invalid.length === 0 ? (values as BuildVsBuyInput) : undefined,
    invalid: new Set(invalid),
  };
}

function Result(props: { input: BuildVsBuyInput }) {
  const { input } = props;
  const result = buildVsBuy(input);
  const saving = Math.abs(
    result.apiMonthlyMicros - result.selfHostedMonthlyMicros,
  );
  const fleet = Math.max(input.replicas, result.replicasNeeded);
  return (
    <Box aria-label="build vs buy result" component="section">
      <Grid container spacing={2}>
        <Grid item xs={12} sm={6}>
          <Typography variant="overline" color="text.secondary">
            API
          </Typography>
          <Typography variant="h5" component="p">
            {formatMoney(result.apiMonthlyMicros, { style: 'rounded' })} a month
          </Typography>
        </Grid>
        <Grid item xs={12} sm={6}>
          <Typography variant="overline" color="text.secondary">
            Self-hosted
          </Typography>
          <Typography variant="h5" component="p">
            {formatMoney(result.selfHostedMonthlyMicros, { style: 'rounded' })}{' '}
            a month
          </Typography>
          <Typography variant="caption" color="text.secondary">
            {fleet} {fleet === 1 ? 'replica' : 'replicas'} ×{' '}
            {input.gpusPerReplica} {input.gpusPerReplica === 1 ? 'GPU' : 'GPUs'}{' '}
            × {HOURS_PER_MONTH} h
          </Typography>
        </Grid>
      </Grid>
      {result.replicasNeeded > input.replicas && (
        <Alert severity="info" sx={{ mt: 1 }}>
          {input.replicas}{' '}
          {input.replicas === 1 ? 'replica serves' : 'replicas serve'} at most{' '}
          {tokens.format(result.capacityTokensPerDay)} tokens a day; this load
          needs {result.replicasNeeded}, and the self-hosted cost counts them.
        </Alert>
      )}
      <Typography variant="body1" sx={{ mt: 1 }}>
        <strong>
          {result.cheaper === 'api'
            ? 'The API is cheaper'
            : 'Self-hosting is cheaper'}
        </strong>{' '}
        by {formatMoney(saving, { style: 'rounded' })} a month at{' '}
        {tokens.format(input.tokensPerDay)} tokens a day.
      </Typography>
      <Typography variant="body2" color="text.secondary">
        {result.crossoverTokensPerDay !== undefined
          ? `Crossover: ${input.replicas} ${
              input.replicas === 1 ? 'replica costs' : 'replicas cost'
            } as much as the API at ${tokens.format(
              result.crossoverTokensPerDay,
            )} tokens a day; above that, self-hosting is cheaper.`
          : `No crossover: even busy all day, a replica's tokens cost ${formatMoney(
              result.busyReplicaMicrosPerMillionTokens,
            )} per million, more than the API's ${formatMoney(
              input.apiMicrosPerMillionTokens,
            )}.`}
      </Typography>
    </Box>
  );
}

/**
 * Build or buy: what serving a model's traffic costs through an API against on
 * our own GPUs, and the daily volume at which self-hosting starts to pay. The
 * GPU price defaults to the price book's.
 *
 * @internal
 */
export function BuildVsBuyCalculator() {
  const mlApi = useApi(mlApiRef);
  const prices = useAsync(() => mlApi.getGpuPrices(), [mlApi]);
  const [fields, setFields] = useState<Fields>(initialFields);
  const [priceChoice, setPriceChoice] = useState('');
  const ids = {
    tokensPerDay: useId(),
    apiPrice: useId(),
    price: useId(),
    gpuHour: useId(),
    gpusPerReplica: useId(),
    replicas: useId(),
    throughput: useId(),
  };

  const defaultPrice = prices.value?.[0];
  // Until someone types a price, the price book's first on-demand price.
  const gpuHour =
    fields.gpuHour ??
    (defaultPrice ? usdInputValue(defaultPrice.gpuHourMicros) : '');
  const { input, invalid } = parseFields({ ...fields, gpuHour });
  const set = (key: keyof Fields) => (value: string) =>
    setFields(current => ({ ...current, [key]: value }));

  const choosePrice = (choice: string) => {
    setPriceChoice(choice);
    const [index, kind] = choice.split(':');
    const price = prices.value?.[Number(index)];
    if (price) {
      set('gpuHour')(
        usdInputValue(
          kind === 'spot' ? price.spotGpuHourMicros : price.gpuHourMicros,
        ),
      );
    }
  };

  const field = (
    key: keyof Fields,
    label: string,
    helperText: string,
    value: string,
  ) => (
    <Grid item xs={12} sm={6} md={4}>
      <TextField
        id={ids[key]}
        label={label}
        value={value}
        onChange={event => set(key)(event.target.value)}
        error={invalid.has(inputKey[key])}
        helperText={helperText}
        inputProps={{ inputMode: 'decimal' }}
        fullWidth
      />
    </Grid>
  );

  return (
    <InfoCard
      title="Build vs buy"
      subheader="A model's traffic through an API, or on our own GPUs"
    >
      <form
        aria-label="build vs buy"
        onSubmit={event => event.preventDefault()}
      >
        <Grid container spacing={2}>
          {field(
            'tokensPerDay',
            'Tokens per day',
            'Input and output',
            fields.tokensPerDay,
          )}
          {field(
            'apiPrice',
            'API price per 1M tokens (USD)',
            'Input and output prices blended',
            fields.apiPrice,
          )}
          <Grid item xs={12} sm={6} md={4}>
            <TextField
              id={ids.price}
              select
              label="Price book"
              value={priceChoice}
              onChange={event => choosePrice(event.target.value)}
              SelectProps={{ native: true }}
              // The placeholder option shows while nothing is chosen.
              InputLabelProps={{ shrink: true }}
              helperText={
                prices.error
                  ? `Could not load the price book: ${prices.error.message}`
                  : 'Fills in the GPU price'
              }
              error={!!prices.error}
              disabled={!prices.value?.length}
              fullWidth
            >
              <option value="" disabled>
                {prices.loading ? 'Loading…' : 'Choose a price'}
              </option>
              {prices.value?.flatMap((price, index) => [
                <option key={`${index}:on-demand`} value={`${index}:on-demand`}>
                  {priceLabel(price)} · on demand ·{' '}
                  {formatMoney(price.gpuHourMicros)}/GPU-h
                </option>,
                <option key={`${index}:spot`} value={`${index}:spot`}>
                  {priceLabel(price)} · spot ·{' '}
                  {formatMoney(price.spotGpuHourMicros)}/GPU-h
                </option>,
              ])}
            </TextField>
          </Grid>
          {field(
            'gpuHour',
            'GPU price per hour (USD)',
            defaultPrice && fields.gpuHour === undefined
              ? `On demand, ${priceLabel(defaultPrice)}`
              : 'Self-hosted, per GPU',
            gpuHour,
          )}
          {field(
            'gpusPerReplica',
            'GPUs per replica',
            'Whole GPUs',
            fields.gpusPerReplica,
          )}
          {field(
            'replicas',
            'Replicas',
            'Kept running all month',
            fields.replicas,
          )}
          {field(
            'throughput',
            'Throughput per replica (tokens/s)',
            'Sustained, at the latency you need',
            fields.throughput,
          )}
        </Grid>
      </form>
      <Box sx={{ mt: 3 }}>
        {input ? (
          <Result input={input} />
        ) : (
          <Typography variant="body2" color="error">
            Fill in the marked fields with numbers: counts of at least one,
            prices and tokens not below zero, a throughput above zero.
          </Typography>
        )}
      </Box>
    </InfoCard>
  );
}
