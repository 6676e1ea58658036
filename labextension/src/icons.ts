import { LabIcon } from '@jupyterlab/ui-components';

// A stethoscope over a box, drawn for this panel; `jp-icon3` follows the theme's icon color.
const STETHOSCOPE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="none" stroke="#616161" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
    <path d="M5 3v6a5 5 0 0 0 10 0V3"/>
    <path d="M10 14v2a5 5 0 0 0 10 0v-2"/>
    <circle cx="20" cy="12" r="2"/>
  </g>
</svg>`;

export const envDoctorIcon = new LabIcon({
  name: 'jupyter-envdoctor:stethoscope',
  svgstr: STETHOSCOPE_SVG
});
