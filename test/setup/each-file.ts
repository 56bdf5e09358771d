// Runs in every test file's worker before the file: temp directories made with makeTempDir() go
// away when the file ends.
import { afterAll } from "vitest";
import { removeTempDirs } from "../helpers/tmp.js";

afterAll(removeTempDirs);
