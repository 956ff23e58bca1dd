// What the page shows, shared by its views, and how a view asks for a refresh.

export const state = {
  entities: [], // slugs, from the status route
  view: "status",
  jobId: null, // the job whose detail is open
  errorFilters: { state: "open" },
  errorTokens: [null], // continuation token of each page seen; the last one is the page shown
  errorItems: new Map(), // entry id -> item, as last listed
  entry: null, // the entry whose detail is open
  opened: new Set(), // long texts the operator clicked open
};

/** Asks for a refresh of the open view: app.js listens, so a view need not import the module that imports it. */
export function requestRefresh() {
  document.dispatchEvent(new Event("sync-refresh"));
}
