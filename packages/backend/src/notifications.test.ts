import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import notificationsPlugin from '@backstage/plugin-notifications-backend';
import signalsPlugin from '@backstage/plugin-signals-backend';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import { AddressInfo } from 'node:net';
import request from 'supertest';

const USER = 'user:default/mei.chen';
const GUEST = 'user:default/guest';

/** Polls `check` until it holds (at most 100 tries, 50 ms apart). */
async function waitFor(check: () => Promise<boolean>) {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  throw new Error('Condition never held');
}

describe('notifications in the backend', () => {
  it('starts the notifications and signals backends together and stores a notification for its user', async () => {
    const { server } = await startTestBackend({
      features: [
        notificationsPlugin,
        signalsPlugin,
        mockServices.rootConfig.factory({
          data: { app: { baseUrl: 'http://localhost:3000' } },
        }),
      ],
    });
    const status = () =>
      request(server)
        .get('/api/notifications/status')
        .set('Authorization', mockCredentials.user.header(USER));
    expect((await status()).body).toEqual({ unread: 0, read: 0 });

    // As the ml plugin sends: a service token, a topic of its own.
    const sent = await request(server)
      .post('/api/notifications')
      .set('Authorization', mockCredentials.service.header())
      .send({
        recipients: { type: 'entity', entityRef: USER },
        payload: { title: 'Canary rolled back', topic: 'ml-endpoints' },
      });
    expect(sent.status).toBe(200);
    expect((await status()).body).toEqual({ unread: 1, read: 0 });
  });

  it('pushes a new notification to its user through signals', async () => {
    const { server } = await startTestBackend({
      features: [
        notificationsPlugin,
        signalsPlugin,
        // The backend's own events service, as createBackend installs it: the test
        // backend's mock one does not carry the notifications backend's signals.
        eventsServiceFactory,
        mockServices.rootConfig.factory({
          data: { app: { baseUrl: 'http://localhost:3000' } },
        }),
      ],
    });
    const { port } = server.address() as AddressInfo;
    const url = `ws://localhost:${port}/api/signals`;
    // The signals router takes WebSocket upgrades once a first one has reached it (the
    // app's client reconnects the same way): that one is left unanswered.
    const first = new WebSocket(url);
    await waitFor(async () => server.listenerCount('upgrade') > 0);
    first.close();
    // Unauthenticated sockets are the guest user's, as in the local app.
    const socket = new WebSocket(url);
    const received: any[] = [];
    socket.addEventListener('message', event =>
      received.push(JSON.parse(String(event.data))),
    );
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve);
      socket.addEventListener('error', reject);
    });
    socket.send(
      JSON.stringify({ action: 'subscribe', channel: 'notifications' }),
    );
    // The subscription is the server's once it answers a later message in order; a
    // notification sent until one arrives covers the gap without waiting on time.
    const send = () =>
      request(server)
        .post('/api/notifications')
        .set('Authorization', mockCredentials.service.header())
        .send({
          recipients: { type: 'entity', entityRef: GUEST },
          payload: { title: 'Budget alert', topic: 'ml-budgets' },
        });
    await send();
    await waitFor(async () => {
      if (received.length === 0) await send();
      return received.length > 0;
    });
    socket.close();
    expect(received[0]).toMatchObject({
      channel: 'notifications',
      message: { action: 'new_notification' },
    });
  });
});
