import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import catalogGraphPlugin from '@backstage/plugin-catalog-graph/alpha';
import notificationsPlugin from '@backstage/plugin-notifications/alpha';
import orgPlugin from '@backstage/plugin-org/alpha';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';
import searchPlugin from '@backstage/plugin-search/alpha';
import signalsPlugin from '@backstage/plugin-signals/alpha';
import mlPlugin from '@ml-portal/plugin-ml';
import { navModule } from './modules/nav';

export default createApp({
  features: [
    mlPlugin,
    catalogPlugin,
    catalogGraphPlugin,
    orgPlugin,
    scaffolderPlugin,
    searchPlugin,
    // Alerts of the ML platform (endpoints, budgets, promotions) at /notifications;
    // signals push new ones to the open page and the sidebar's unread count.
    notificationsPlugin,
    signalsPlugin,
    navModule,
  ],
});
