export { MonitoringOverviewCard } from './MonitoringOverviewCard';
export { MonitoringSection } from './MonitoringSection';
export { VersionDrift } from './VersionDrift';
