// The streams template's own workerd tests, against this repo's sources.
import { templateProject } from "../support/template-project.js";

export default templateProject("streams");
