/** The shipped template files by id, parsed JSON (read them with parseScenarioFile). */
declare const templates: Readonly<Record<string, unknown>>;
export default templates;
