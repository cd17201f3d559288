import { LineageNodeKind, LineageRelation } from '@ml-portal/plugin-ml-common';
import CategoryIcon from '@mui/icons-material/Category';
import CloudQueueIcon from '@mui/icons-material/CloudQueue';
import Inventory2OutlinedIcon from '@mui/icons-material/Inventory2Outlined';
import PlayCircleOutlineIcon from '@mui/icons-material/PlayCircleOutline';
import StorageIcon from '@mui/icons-material/Storage';
import ViewWeekIcon from '@mui/icons-material/ViewWeek';
import WorkOutlineIcon from '@mui/icons-material/WorkOutline';
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
  logged_model: {
    label: 'Logged model',
    color: '#6d4c41',
    Icon: Inventory2OutlinedIcon,
  },
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
