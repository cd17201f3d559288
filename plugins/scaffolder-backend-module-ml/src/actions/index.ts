import { CatalogService } from '@backstage/plugin-catalog-node';
import { createMlBudgetSetAction } from './budget';
import { MlActionsContext } from './context';
import { createMlDeploymentCreateAction } from './deployment';
import { createMlExperimentAction } from './experiment';
import { createMlModelRegisterAction } from './model';
import { createMlPublishLocalAction } from './publishLocal';
import { createMlTeamOnboardAction } from './team';
import { createMlTrainingSubmitAction } from './training';

export { DRY_RUN_ID } from './context';
export type { MlActionsContext } from './context';
export {
  createMlBudgetSetAction,
  createMlDeploymentCreateAction,
  createMlExperimentAction,
  createMlModelRegisterAction,
  createMlPublishLocalAction,
  createMlTeamOnboardAction,
  createMlTrainingSubmitAction,
};

/**
 * Every action of the module.
 *
 * @public
 */
export function createMlActions(
  options: MlActionsContext & {
    catalog: CatalogService;
    localPublishDirectory?: string;
  },
) {
  return [
    createMlExperimentAction(options),
    createMlTrainingSubmitAction(options),
    createMlModelRegisterAction(options),
    createMlDeploymentCreateAction(options),
    createMlTeamOnboardAction(options),
    createMlPublishLocalAction({ directory: options.localPublishDirectory }),
    createMlBudgetSetAction(options),
  ];
}
