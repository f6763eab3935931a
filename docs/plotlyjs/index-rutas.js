'use strict';

var Plotly = require('./core');

Plotly.register([
    // traces (scatter comes with the core)
    require('./bar'),
    require('./scattermap'),
]);

module.exports = Plotly;
