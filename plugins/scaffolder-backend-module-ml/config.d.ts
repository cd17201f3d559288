export interface Config {
  ml?: {
    /** The ML platform's Scaffolder actions (`@ml-portal/plugin-scaffolder-backend-module-ml`). */
    scaffolder?: {
      /**
       * Where `ml:publish:local` publishes projects (one folder each), relative to the
       * backend's working directory. Unset: the action refuses. For installs without a
       * Git host, such as the local demo.
       */
      localPublishDirectory?: string;
    };
  };
}
