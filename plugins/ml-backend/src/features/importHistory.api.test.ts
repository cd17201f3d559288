import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  tenancyPermissionFeatures,
  userInfoByTeam,
} from '../__testUtils__/permissions';
import { startPortal } from '../__testUtils__/portal';

const VISION = 'group:default/vision';
const RECSYS = 'group:default/recsys';
const PLATFORM = 'group:default/platform';

const as = (user: string) =>
  mockCredentials.user.header(`user:default/${user}`);

/** A Feast dump with one view per team. */
const dump = {
  project: 'shared',
  featureViews: ['vision', 'recsys'].map(team => ({
    spec: {
      name: `${team}_features`,
      entities: ['item'],
      features: [{ name: 'score', valueType: 'DOUBLE' }],
      tags: { team },
    },
  })),
};

describe('GET /features/imports across teams', () => {
  it('names only the views the caller may read, with reading across teams off', async () => {
    const { server } = await startPortal({
      features: [
        ...tenancyPermissionFeatures,
        userInfoByTeam({
          'user:default/alice': [VISION],
          'user:default/bob': [RECSYS],
          'user:default/pat': [PLATFORM],
        }),
      ],
      config: { permission: { enabled: true } },
      ml: {
        permissions: {
          readAcrossTeams: false,
          managers: [],
          platformGroups: [PLATFORM],
        },
      },
    });

    const imported = await request(server)
      .post('/api/ml/features/imports')
      .set('Authorization', as('pat'))
      .send(dump);
    expect(imported.status).toBe(200);
    expect(imported.body.added.sort()).toEqual([
      'shared/recsys_features',
      'shared/vision_features',
    ]);

    const seenBy = async (user: string) => {
      const history = await request(server)
        .get('/api/ml/features/imports')
        .set('Authorization', as(user));
      expect(history.status).toBe(200);
      expect(history.body).toHaveLength(1);
      return history.body[0].added;
    };
    expect(await seenBy('alice')).toEqual(['shared/vision_features']);
    expect(await seenBy('bob')).toEqual(['shared/recsys_features']);
    // The importer's platform group owns neither view.
    expect(await seenBy('pat')).toEqual([]);
  });
});
