import { createSmokeActivities } from './smoke';

/** Every activity the worker registers, built from the clients it is given. */
export function createActivities() {
  return { ...createSmokeActivities() };
}
