import { renderInTestApp } from '@backstage/frontend-test-utils';
import { useTheme } from '@mui/material/styles';
import { screen } from '@testing-library/react';

function PaletteProbe() {
  const { palette } = useTheme();
  return (
    <span>
      {'navigation' in palette ? 'backstage' : 'mui default'}{' '}
      {palette.primary.main}
    </span>
  );
}

describe('the test app', () => {
  // The plugin's components are MUI v5: they must get Backstage's theme in the
  // tests as they do in the app, not MUI's default one.
  it("gives MUI v5 components Backstage's theme", async () => {
    await renderInTestApp(<PaletteProbe />);
    const probe = await screen.findByText(/^backstage /);
    expect(probe.textContent).not.toContain('#1976d2');
  });
});
