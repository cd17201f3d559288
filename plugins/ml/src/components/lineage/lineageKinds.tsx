import { LineageNodeKind, LineageRelation } from '@ml-portal/plugin-ml-common';
import CategoryIcon from '@material-ui/icons/Category';
import CloudQueueIcon from '@material-ui/icons/CloudQueue';
import PlayCircleOutlineIcon from '@material-ui/icons/PlayCircleOutline';
import StorageIcon from '@material-ui/icons/Storage';
import ViewWeekIcon from '@material-ui/icons/ViewWeek';
import WorkOutlineIcon from '@material-ui/icons/WorkOutline';
import { ComponentType } from 'react';

/** How one kind of lineage node looks: its name, colour and icon. @internal */
export type LineageKindStyle = {
  label: string;
  color: string;
  Icon: ComponentType<{ fontSize?: 'small' | 'inherit'; style?: object }>;
};

/** Colours that read on light and dark themes alike. @internal */
export const LINEAGE_KIND_STYLES: Record<LineageNodeKind, LineageKindStyle> = {
  dataset: { label: 'Dataset', color: '#1e88e5', Icon: StorageIcon },
  feature_view: { label: 'Feature view', color: '#00897b', Icon: ViewWeekIcon },
  job: { label: 'Training job', color: '#f57c00', Icon: WorkOutlineIcon },
  run: { label: 'Run', color: '#8e24aa', Icon: PlayCircleOutlineIcon },
  model_version: {
    label: 'Model version',
    color: '#43a047',
    Icon: CategoryIcon,
  },
  deployment: { label: 'Deployment', color: '#e53935', Icon: CloudQueueIcon },
};

/** A relation as an edge's label: `registered_as` → `registered as`. @internal */
export function relationLabel(relation: LineageRelation): string {
  return relation.replace(/_/g, ' ');
}
