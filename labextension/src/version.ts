/** Version of this panel; a test checks that it equals package.json's and the Python package's. */
export const PANEL_VERSION = '0.1.0';

/** Report schema version that this panel reads. */
export const SCHEMA_VERSION = 1;
