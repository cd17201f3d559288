export interface Config {
  ml?: {
    /** The ML platform's Scaffolder actions (`@ml-portal/plugin-scaffolder-backend-module-ml`). */
    scaffolder?: {
      /**
       * `ml:publish:local`: publishing projects to folders on the backend's host, for
       * installs without a Git host (the local demo). Off unless `enabled` is true.
       */
      localPublish?: {
        enabled?: boolean;
        /** One folder per project under this one, relative to the backend's working directory. */
        directory?: string;
      };
    };
  };
}
