import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Search attributes the flywheel keeps current, for filtering in the Web UI and CLI, e.g.
// temporal workflow list --query "WorkloadId='x' AND FlywheelStatus='running'"
export const WorkloadIdKey = defineSearchAttributeKey('WorkloadId', SearchAttributeType.KEYWORD);
export const ClientIdKey = defineSearchAttributeKey('ClientId', SearchAttributeType.KEYWORD);
export const FlywheelStatusKey = defineSearchAttributeKey('FlywheelStatus', SearchAttributeType.KEYWORD);
