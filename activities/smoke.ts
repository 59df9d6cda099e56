import { activityInfo } from '@temporalio/activity';

export function createSmokeActivities() {
  return {
    async greet(name: string): Promise<string> {
      return `hello ${name} from ${activityInfo().activityType}`;
    },
  };
}

export type SmokeActivities = ReturnType<typeof createSmokeActivities>;
