/** Root config of a vertex serving target of project ml-serving-prod in europe-west4. */
export const vertexServingConfig = (vertex: Record<string, unknown>) => ({
  ml: {
    serving: {
      targets: {
        vertex: {
          project: 'ml-serving-prod',
          location: 'europe-west4',
          ...vertex,
        },
      },
    },
  },
});
