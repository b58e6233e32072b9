// The shipped templates (the scenario files beside this module) as the workspace's TemplateCatalog.
import { invalidRequest } from '../../values/errors';
import type { Snapshot } from '../../resources/snapshot';
import type { TemplateCatalog, TemplateInfo } from '../../workspace';
import { parseScenarioFile, scenarioRefused } from '../format';
import { replayScenario } from '../replay';
import templateFiles from './files';

/** The template files by id, as shipped (parsed JSON, not yet checked). */
export const templateFilesById: Readonly<Record<string, unknown>> = templateFiles;

export const templateCatalog: TemplateCatalog = {
  list(): TemplateInfo[] {
    return Object.entries(templateFilesById).map(([id, raw]) => {
      const parsed = parseScenarioFile(raw);
      if ('problems' in parsed) throw scenarioRefused(parsed.problems);
      return { id, name: parsed.file.name, description: parsed.file.description ?? '' };
    });
  },
  /**
   * NOTE: a template always replays with its own seed: the ids in its calls and usage were made
   * with it, so every scenario made from a template starts the same (ids, generated usage).
   */
  build(id: string, _seed: number): Snapshot {
    if (!Object.hasOwn(templateFilesById, id)) {
      throw invalidRequest(
        'template_not_found',
        'template',
        `No template '${id}': use one of ${Object.keys(templateFilesById).join(', ')}.`,
      );
    }
    return replayScenario(templateFilesById[id]).snapshot();
  },
};
