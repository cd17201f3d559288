export interface Config {
  /** Settings of the ML platform backend plugin (`@ml-portal/plugin-ml-backend`). */
  ml?: {
    /** The Redis that carries the BullMQ queues. The database stays the system of record. */
    redis?: {
      /**
       * Redis URL, e.g. `redis://127.0.0.1:6379/0` or `rediss://:password@redis:6380`.
       * When absent, the backend uses a Redis answering on 127.0.0.1:6379, and failing
       * that starts a local `redis-server` child (see `embedded`).
       * @visibility secret
       */
      url?: string;
      /**
       * Start a private `redis-server` child on a free port when no URL is configured and
       * nothing answers on 127.0.0.1:6379. Defaults to true; set false in production so a
       * missing Redis is an error instead.
       */
      embedded?: boolean;
    };
  };
}
