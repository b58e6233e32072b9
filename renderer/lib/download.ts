// Saving a file the engine made: a Blob offered as a download (a save dialog in Electron, the
// downloads folder in a browser). A blob: link is a download, not a script or style, so the CSP
// is untouched.
import type { ExportedFile } from '../../core/contract';

/** How long the blob stays readable: the browser starts reading it after the click returns. */
const revokeAfterMs = 60_000;

export function downloadFile(file: ExportedFile): void {
  downloadBlob(new Blob([file.content], { type: file.mimeType }), file.filename);
}

/** Offers bytes the page made (a chart's PNG) as a download. */
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), revokeAfterMs);
}

/** `<name>.meterlab.json`, with the characters file systems refuse replaced. */
export function scenarioFilename(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are among those refused
  const safe = name.replace(/[\u0000-\u001f<>:"/\\|?*]+/g, '-').trim();
  return `${safe || 'scenario'}.meterlab.json`;
}
