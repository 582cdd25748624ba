/**
 * Runs before every test file. Most test apps leave resources open on purpose, so the start-up
 * warning about open resources is silenced here; test/resource/open-access-warning.test.ts
 * restores it to check it.
 */
import { setOpenAccessWarningSink } from "../src/resource/open-access-warning";

setOpenAccessWarningSink(() => {});
